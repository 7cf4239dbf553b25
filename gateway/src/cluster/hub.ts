// The primary's half of the shared state under `serve --workers N`: it holds no request; it
// relays, and places bounded picks.
//   - in-flight counts: each worker reports its own per backend when they change; the hub sends
//     each worker the sum of the others' as soon as it has read them (for ranking by load)
//   - the load bound: workers send their bounded-load walks here, to be taken on exact counts
//     (load-arbiter.ts)
//   - routing memos and health probe outcomes: forwarded to every other worker (see RouteMemo,
//     HealthChecker.applyShared)
//   - /metrics: one aggregation round over the ready workers (prom-client's aggregator), answered
//     to the worker whose client asked
//   - per-key rate limits without Redis: one in-memory bucket set, here, for all workers
//   - start-up: once every worker has started, each is told so (their /ready waits for it)
import { AggregatorRegistry } from 'prom-client';
import type { Worker } from 'node:cluster';
import type { Logger } from '../telemetry/log.js';
import { MemoryRateLimiter } from '../state/token-bucket.js';
import { LoadArbiter } from './load-arbiter.js';
import type { Answer, Ask, LoadTable, PrimaryMessage, WorkerMessage } from './messages.js';

/** A worker that does not send its metrics within this is left out of that scrape. */
const METRICS_WAIT_MS = 2_000;

interface Round {
  pending: Set<number>;
  parts: unknown[][];
  timer: NodeJS.Timeout;
  waiters: Array<(text: string) => void>;
}

export class ClusterHub {
  private readonly workers = new Map<number, Worker>();
  private readonly loads = new Map<number, LoadTable>();
  private readonly arbiter = new LoadArbiter(this.loads);
  private readonly sentPeerLoad = new Map<number, string>();
  private loadsDirty = false;
  private flushScheduled = false;
  private readonly limiter: MemoryRateLimiter | null;
  private round = 0;
  private allStarted = false;
  private current: Round | null = null;

  constructor(
    opts: { rateLimit: { requestsPerMinute: number; burst: number } | null },
    private readonly log: Logger,
  ) {
    this.limiter =
      opts.rateLimit && opts.rateLimit.requestsPerMinute > 0 ? new MemoryRateLimiter(opts.rateLimit) : null;
  }

  /** A worker is ready for traffic: it takes part in load sharing and metrics from now on. */
  add(worker: Worker): void {
    this.workers.set(worker.id, worker);
    this.loadsChanged();
    if (this.allStarted) send(worker, { type: 'toolgate:all-ready' }); // a replacement
  }

  /**
   * Every worker has started: tell them (and any replacement, as it starts). Until then a worker
   * answers /ready 503, as a worker still starting would send its start-up probes to the pods
   * alongside the first traffic, and would not take any yet.
   */
  everyoneStarted(): void {
    this.allStarted = true;
    for (const w of this.workers.values()) send(w, { type: 'toolgate:all-ready' });
  }

  remove(workerId: number): void {
    this.workers.delete(workerId);
    this.loads.delete(workerId);
    this.arbiter.remove(workerId);
    this.sentPeerLoad.delete(workerId);
    this.loadsChanged();
    // A worker that died mid-round no longer holds the scrape up.
    if (this.current?.pending.delete(workerId) && this.current.pending.size === 0) this.finishRound();
  }

  handle(worker: Worker, msg: WorkerMessage): void {
    switch (msg.type) {
      case 'toolgate:load':
        this.loads.set(worker.id, msg.loads);
        this.arbiter.reported(worker.id, msg.placed);
        this.loadsChanged();
        return;
      case 'toolgate:memo':
      case 'toolgate:probe':
        for (const w of this.workers.values()) if (w.id !== worker.id) send(w, msg);
        return;
      case 'toolgate:metrics':
        if (this.current && msg.round === this.round && this.current.pending.delete(worker.id)) {
          this.current.parts.push(msg.metrics);
          if (this.current.pending.size === 0) this.finishRound();
        }
        return;
      case 'toolgate:asks': {
        const answers: Answer[] = [];
        for (const ask of msg.asks) {
          const answer = this.answer(worker, ask);
          if (answer) answers.push(answer);
        }
        if (answers.length > 0) send(worker, { type: 'toolgate:answers', answers });
        return;
      }
      default:
        return;
    }
  }

  /** The answer to one question, or null when it comes later (a metrics round). */
  private answer(worker: Worker, ask: Ask): Answer | null {
    switch (ask.op) {
      case 'metrics':
        this.collect((text) =>
          send(worker, { type: 'toolgate:answers', answers: [{ id: ask.id, ok: true, value: text }] }),
        );
        return null;
      case 'rate':
        return this.limiter
          ? { id: ask.id, ok: true, value: this.limiter.takeSync(ask.key) }
          : { id: ask.id, ok: false, error: 'no rate limit configured' };
      case 'place':
        return ask.walk.ranking.length > 0
          ? { id: ask.id, ok: true, value: this.arbiter.place(worker.id, ask.id, ask.pool, ask.walk) }
          : { id: ask.id, ok: false, error: 'empty ranking' };
      default:
        return { id: (ask as { id: number }).id, ok: false, error: 'unknown question' };
    }
  }

  close(): void {
    this.loadsDirty = false;
    if (this.current) this.finishRound();
  }

  /** Concurrent scrapes share one round, so N clients scraping at once cost one round. */
  private collect(reply: (text: string) => void): void {
    if (this.current) {
      this.current.waiters.push(reply);
      return;
    }
    const round = ++this.round;
    const pending = new Set([...this.workers.values()].filter((w) => w.isConnected()).map((w) => w.id));
    this.current = {
      pending,
      parts: [],
      waiters: [reply],
      timer: setTimeout(() => this.finishRound(), METRICS_WAIT_MS),
    };
    if (pending.size === 0) {
      this.finishRound();
      return;
    }
    for (const id of pending) send(this.workers.get(id)!, { type: 'toolgate:collect', round });
  }

  private finishRound(): void {
    const r = this.current;
    if (!r) return;
    this.current = null;
    clearTimeout(r.timer);
    if (r.pending.size > 0)
      this.log.warn('metrics: workers did not answer in time; scrape is partial', { missing: r.pending.size });
    const answer = (text: string) => {
      for (const w of r.waiters) w(text);
    };
    try {
      const registry = AggregatorRegistry.aggregate(r.parts);
      registry.metrics().then(answer, (err: unknown) => {
        this.log.error('metrics aggregation failed', { err });
        answer('');
      });
    } catch (err) {
      this.log.error('metrics aggregation failed', { err });
      answer('');
    }
  }

  /** Reports that arrive together (one read of the IPC pipes) are sent on as one. */
  private loadsChanged(): void {
    this.loadsDirty = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushLoads();
    });
  }

  /** Sends each worker the sum of the other workers' counts, when it changed. */
  private flushLoads(): void {
    if (!this.loadsDirty) return;
    this.loadsDirty = false;
    const total: LoadTable = {};
    for (const table of this.loads.values()) for (const k in table) total[k] = (total[k] ?? 0) + table[k]!;
    for (const w of this.workers.values()) {
      const own = this.loads.get(w.id) ?? {};
      const peers: LoadTable = {};
      for (const k in total) peers[k] = total[k]! - (own[k] ?? 0);
      const text = JSON.stringify(peers);
      if (this.sentPeerLoad.get(w.id) === text) continue;
      this.sentPeerLoad.set(w.id, text);
      send(w, { type: 'toolgate:peer-load', loads: peers });
    }
  }
}

function send(worker: Worker, msg: PrimaryMessage): void {
  if (!worker.isConnected()) return;
  try {
    worker.send(msg);
  } catch {
    /* the worker is going away; its exit is handled by the supervisor */
  }
}
