// The primary's side of the load bound under `serve --workers N`: it takes each bounded-load
// walk a worker sends on the whole process's counts, one at a time, so that no two workers can
// both fill the last slot under the cap (routing/pick/bounded-load.ts). The counts are what each
// worker last reported (its own in-flight table) plus the placements made here since that report
// that it did not yet include; a report says up to which placement id it is complete.
import { boundedIndex, capFor } from '../routing/pick/bounded-load.js';
import { loadKey, type LoadTable, type PlaceWalk } from './messages.js';

interface Placement {
  id: number;
  key: string;
}

export class LoadArbiter {
  /** Per worker: placements made after its last report (ids ascending). */
  private readonly unreported = new Map<number, Placement[]>();
  /** Per worker: the `placed` of its last report (placements up to it are in its table). */
  private readonly reportedThrough = new Map<number, number>();

  /** `tables`: each worker's last reported own counts (the hub's, shared). */
  constructor(private readonly tables: ReadonlyMap<number, LoadTable>) {}

  /** A report from `worker` that includes every placement with an id up to `placed`. */
  reported(worker: number, placed: number): void {
    this.reportedThrough.set(worker, Math.max(placed, this.reportedThrough.get(worker) ?? 0));
    const list = this.unreported.get(worker);
    if (!list) return;
    let drop = 0;
    while (drop < list.length && list[drop]!.id <= placed) drop++;
    if (drop === list.length) this.unreported.delete(worker);
    else if (drop > 0) list.splice(0, drop);
  }

  remove(worker: number): void {
    this.unreported.delete(worker);
    this.reportedThrough.delete(worker);
  }

  /** Walks `walk` on the current counts, counts placement `id` of `worker`, returns the URL. */
  place(worker: number, id: number, pool: string, walk: PlaceWalk): string {
    const count = (url: string) => this.count(loadKey(pool, url));
    let total = 0;
    for (const url of walk.candidates) total += count(url);
    const cap = capFor(total, walk.candidates.length, walk.epsilon);
    const url = walk.ranking[boundedIndex(walk.ranking.map(count), cap)]!;
    // Asked so long ago that the worker gave up and reported past it: it will not apply this one.
    if (id <= (this.reportedThrough.get(worker) ?? 0)) return url;
    let list = this.unreported.get(worker);
    if (!list) this.unreported.set(worker, (list = []));
    list.push({ id, key: loadKey(pool, url) });
    return url;
  }

  private count(key: string): number {
    let n = 0;
    for (const table of this.tables.values()) n += table[key] ?? 0;
    for (const list of this.unreported.values()) for (const p of list) if (p.key === key) n++;
    return n;
  }
}
