// A worker's half of the shared state under `serve --workers N` (the primary's is hub.ts):
// reports this worker's in-flight counts and applies its siblings' to `Backend.peerInflight`,
// shares and adopts routing memos and health probe outcomes, answers metrics collection rounds,
// and asks the primary to place bounded picks (Router.take), for the whole process's /metrics and
// for rate-limit tokens. On a request's path: the placement (for a pool with a load bound and two
// or more eligible backends), and a rate-limit question when a limit is configured without Redis.
// Everything a worker sends in one event-loop turn (questions, memos, its load report) leaves as
// one IPC message at the end of the turn; a burst's answers come back as one.
import type { Registry } from 'prom-client';
import type { Router, Taken } from '../routing/router.js';
import type { HealthChecker } from '../routing/health.js';
import type { Logger } from '../telemetry/log.js';
import { MemoryRateLimiter, type RateLimiter, type TakeResult } from '../state/token-bucket.js';
import {
  isPrimaryMessage,
  loadKey,
  type Answer,
  type Ask,
  type LoadTable,
  type PlaceWalk,
  type PrimaryMessage,
  type WorkerMessage,
} from './messages.js';

const ASK_TIMEOUT_MS = 5_000;

type Question = { op: 'metrics' } | { op: 'rate'; key: string } | { op: 'place'; pool: string; walk: PlaceWalk };

export class WorkerLink {
  private nextId = 0;
  /** What this turn sends, written as one IPC message at its end (flush). */
  private outbox: WorkerMessage[] = [];
  /** This turn's questions: one `toolgate:asks` in the outbox. */
  private turnAsks: { type: 'toolgate:asks'; asks: Ask[] } | null = null;
  private flushScheduled = false;
  private loadsDirty = false;
  private allReady = false;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private router: Router | null = null;
  private health: HealthChecker | null = null;
  private registry: Registry | null = null;
  private lastLoads = '';
  /** Highest placement id applied or given up on: the next load report includes it. */
  private placed = 0;
  private shutdownHandler: (() => void) | null = null;
  /** A shutdown can arrive while the worker is still starting, before it set a handler. */
  private shutdownRequested = false;
  private readonly listener = (m: unknown) => {
    if (isPrimaryMessage(m)) this.onMessage(m);
  };

  constructor(
    readonly workerIndex: number,
    private readonly log: Logger,
  ) {
    process.on('message', this.listener);
  }

  /**
   * Starts sharing routing state for this worker's router, its health probes' outcomes, and
   * metrics from its registry.
   */
  attach(router: Router, registry: Registry, health?: HealthChecker): void {
    this.router = router;
    this.registry = registry;
    if (health) {
      this.health = health;
      health.onResult = (b, ok, refused) =>
        this.send({ type: 'toolgate:probe', pool: b.pool, url: b.url, ok, refused });
    }
    router.onMemo = (pool, memo) => this.send({ type: 'toolgate:memo', pool, memo });
    // Reported when they change, once per turn of the event loop: the requests a burst brings in
    // one read leave as one report, and siblings see them one IPC hop later.
    router.onLoadChange = () => this.scheduleReport();
    router.arbiter = { place: (pool, walk) => this.place(pool, walk) };
  }

  ready(url: string): void {
    this.send({ type: 'toolgate:ready', url });
  }

  /** Whether the primary still waits for sibling workers to start (/ready says `starting`). */
  get siblingsStarting(): boolean {
    return !this.allReady;
  }

  /** Called once when the primary asks this worker to stop (at once if it already has). */
  onShutdown(handler: () => void): void {
    if (this.shutdownRequested) handler();
    else this.shutdownHandler = handler;
  }

  /** The whole process's metrics (every worker's registry, aggregated by the primary). */
  async metricsText(): Promise<string> {
    return await this.ask<string>({ op: 'metrics' });
  }

  /**
   * One set of in-memory token buckets for every worker, held by the primary. If the primary does
   * not answer (it is shutting down), this worker's own buckets decide, as with a Redis outage.
   */
  rateLimiter(limit: { requestsPerMinute: number; burst: number }): RateLimiter {
    const local = new MemoryRateLimiter(limit);
    return {
      limit,
      take: async (key: string): Promise<TakeResult> => {
        try {
          return await this.ask<TakeResult>({ op: 'rate', key });
        } catch {
          return local.takeSync(key);
        }
      },
    };
  }

  close(): void {
    process.off('message', this.listener);
    if (this.router) {
      this.router.onMemo = null;
      this.router.onLoadChange = null;
      this.router.arbiter = null;
    }
    if (this.health) this.health.onResult = null;
    this.outbox = [];
    this.turnAsks = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('worker closing'));
    }
    this.pending.clear();
  }

  /**
   * The primary's placement of a bounded pick, counted against the chosen backend here as soon
   * as the answer is read (so that the next load report includes it); null when the primary
   * does not answer in time or the backend left this worker's pool.
   */
  private async place(pool: string, walk: PlaceWalk): Promise<Taken | null> {
    const id = this.nextId + 1; // the id ask() is about to take
    try {
      // A primary that has not answered within the ask timeout is stuck: this worker's own pick then.
      return await this.ask({ op: 'place', pool, walk }, (url) => {
        const backend = this.router?.pools.get(pool)?.member(url as string);
        return backend ? { backend, release: this.router!.acquire(backend) } : null;
      });
    } catch {
      return null;
    } finally {
      // Applied or given up on: either way the primary may stop counting it separately.
      this.placed = Math.max(this.placed, id);
      this.scheduleReport();
    }
  }

  /**
   * One question to the primary. Questions asked in one event-loop turn leave together at the end
   * of it (one IPC message for a burst's placements instead of one each). `apply` runs on the
   * answer as soon as it is read, before any other message (placements are counted in that turn).
   */
  private ask<T = unknown>(q: Question, apply?: (value: unknown) => T): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`primary did not answer '${q.op}' within ${ASK_TIMEOUT_MS} ms`));
      }, ASK_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => {
          try {
            resolve(apply ? apply(v) : (v as T));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
        reject,
        timer,
      });
      if (!this.turnAsks) {
        this.turnAsks = { type: 'toolgate:asks', asks: [] };
        if (!this.send(this.turnAsks)) {
          this.turnAsks = null;
          this.settle({ id, ok: false, error: 'no IPC channel to the primary' });
          return;
        }
      }
      this.turnAsks.asks.push({ id, ...q });
    });
  }

  private settle(answer: Answer): void {
    const p = this.pending.get(answer.id);
    if (!p) return;
    this.pending.delete(answer.id);
    clearTimeout(p.timer);
    if (answer.ok) p.resolve(answer.value);
    else p.reject(new Error(answer.error));
  }

  private onMessage(m: PrimaryMessage): void {
    switch (m.type) {
      case 'toolgate:peer-load':
        this.applyPeerLoads(m.loads);
        return;
      case 'toolgate:memo':
        this.router?.adopt(m.pool, m.memo);
        return;
      case 'toolgate:probe':
        this.health?.applyShared(m.pool, m.url, m.ok, m.refused);
        return;
      case 'toolgate:collect':
        if (this.registry) {
          this.registry.getMetricsAsJSON().then(
            (metrics) => this.send({ type: 'toolgate:metrics', round: m.round, metrics }),
            (err: unknown) => this.log.error('metrics collection failed', { err }),
          );
        }
        return;
      case 'toolgate:answers':
        for (const answer of m.answers) this.settle(answer);
        return;
      case 'toolgate:all-ready':
        this.allReady = true;
        return;
      case 'toolgate:shutdown':
        this.shutdownRequested = true;
        this.shutdownHandler?.();
        this.shutdownHandler = null;
        return;
    }
  }

  /** The load report goes out with the turn's other messages, built when they leave. */
  private scheduleReport(): void {
    this.loadsDirty = true;
    this.scheduleFlush();
  }

  private reportLoads(): void {
    if (!this.router) return;
    const loads: LoadTable = {};
    for (const pool of this.router.pools.values())
      for (const b of pool.backends) loads[loadKey(pool.name, b.url)] = b.inflight;
    const text = `${this.placed} ${JSON.stringify(loads)}`;
    if (text === this.lastLoads) return;
    this.lastLoads = text;
    this.outbox.push({ type: 'toolgate:load', loads, placed: this.placed });
  }

  private applyPeerLoads(loads: LoadTable): void {
    if (!this.router) return;
    for (const pool of this.router.pools.values())
      for (const b of pool.backends) b.peerInflight = loads[loadKey(pool.name, b.url)] ?? 0;
  }

  /** Queues `msg` for the end of this turn; false when there is no channel to the primary. */
  private send(msg: WorkerMessage): boolean {
    if (!process.send || !process.connected) return false;
    this.outbox.push(msg);
    this.scheduleFlush();
    return true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  /** Writes the turn's messages (and its load report, if the counts changed) as one. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.loadsDirty) {
      this.loadsDirty = false;
      this.reportLoads();
    }
    const messages = this.outbox;
    this.outbox = [];
    this.turnAsks = null;
    if (messages.length === 0) return;
    // process.send's false means "backlogged", not "dropped": only a closed channel loses them.
    try {
      if (process.send && process.connected) {
        process.send(messages.length === 1 ? messages[0] : { type: 'toolgate:batch', messages });
        return;
      }
    } catch {
      /* closed meanwhile */
    }
    for (const m of messages)
      if (m.type === 'toolgate:asks')
        for (const { id } of m.asks) this.settle({ id, ok: false, error: 'no IPC channel to the primary' });
  };
}
