// The capture pipeline: request path → bounded queue → one background worker → sink.
//   offer()  is synchronous and O(1): it never waits on I/O; a full queue drops the record and
//            counts it (toolgate_capture_dropped_total).
//   worker   redacts, serialises and writes in batches. Without Redis the sink is the rotating
//            JSONL file. With Redis it is the stream; when a write fails the batch goes to the
//            spool file and so does everything after it, until Redis is back and the spool has
//            been replayed in order. Each record carries a per-writer sequence number and the
//            stream write skips numbers it has seen, so the stream gets every record exactly
//            once, in order — even when a timed-out batch had in fact reached Redis.
// "Acknowledged" = written to a JSONL file, XADDed to the stream (Redis replied), or appended to
// the spool file. flush() resolves once everything offered before it is acknowledged; records
// still in the queue when the process dies are the only ones that can be lost.
import type { Redis } from 'ioredis';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { BoundedQueue } from './bounded-queue.js';
import type { CaptureConfig } from './config.js';
import { createRedactor, type Redactor } from './redact.js';
import type { CaptureRecord } from './record.js';
import { RedisStreamSink, type StreamLine } from './redis-stream-sink.js';
import { RotatingFileSink } from './rotating-file-sink.js';
import { Spool } from './spool.js';
import type { KnownSecrets } from '../state/known-secrets.js';

export type CaptureOutcome = 'none' | 'valid' | 'repaired' | 'invalid';

export interface Capture {
  /** Whether a response with this outcome should be captured (invalid/repaired: always; valid: sampled). */
  wants(outcome: CaptureOutcome): boolean;
  /** Queues a record; never blocks. false = not queued (queue full → counted as dropped, or closed). */
  offer(rec: CaptureRecord): boolean;
  /** Resolves once every record offered before the call is acknowledged by a sink. */
  flush(): Promise<void>;
  /** Stops accepting records, drains the queue, tries a last spool replay, closes files. */
  close(): Promise<void>;
  /** Records waiting in the queue. */
  readonly depth: number;
  /** True while records sit in the spool waiting for Redis. */
  readonly spoolPending: boolean;
}

export interface CaptureDeps {
  /** An ioredis client (see state/redis-client.ts: no offline queue); null/absent = file sink. */
  redis?: Redis | null;
  metrics: Metrics;
  logger: Logger;
  random?: () => number;
  /** How often a pending spool is retried while Redis is down (ms). */
  replayIntervalMs?: number;
  /** The gateway's API keys, redacted from records by exact value. */
  secrets?: KnownSecrets;
}

export function createCapture(cfg: CaptureConfig, deps: CaptureDeps): Capture {
  if (!cfg.enabled) return disabledCapture;
  return new CapturePipeline(cfg, deps);
}

const disabledCapture: Capture = {
  wants: () => false,
  offer: () => false,
  flush: async () => undefined,
  close: async () => undefined,
  depth: 0,
  spoolPending: false,
};

class CapturePipeline implements Capture {
  private readonly queue: BoundedQueue<CaptureRecord>;
  private readonly redact: Redactor;
  private readonly file: RotatingFileSink | null;
  private readonly stream: RedisStreamSink | null;
  private readonly spool: Spool;
  private readonly random: () => number;
  private readonly log: Logger;
  private seq = 0;
  private offered = 0;
  private acked = 0;
  private waiters: { target: number; resolve: () => void }[] = [];
  private running: Promise<void> | null = null;
  private initialised = false;
  private closed = false;
  private outage = false;
  private replayTimer: NodeJS.Timeout | null = null;
  private readonly onReady = () => this.kick();

  constructor(
    private readonly cfg: CaptureConfig,
    private readonly deps: CaptureDeps,
  ) {
    this.queue = new BoundedQueue(cfg.queueSize);
    this.redact = createRedactor(cfg.redact, { secrets: deps.secrets });
    this.random = deps.random ?? Math.random;
    this.log = deps.logger.child({ component: 'capture' });
    this.spool = new Spool(cfg.dir);
    if (deps.redis) {
      this.stream = new RedisStreamSink(deps.redis, cfg.stream.name, cfg.stream.maxLen);
      this.file = null;
      deps.redis.on('ready', this.onReady);
      this.replayTimer = setInterval(() => {
        if (this.spool.pending && this.stream?.ready) this.kick();
      }, deps.replayIntervalMs ?? 1000);
      this.replayTimer.unref();
    } else {
      this.stream = null;
      this.file = new RotatingFileSink({ dir: cfg.dir, maxFileBytes: cfg.maxFileBytes, rotateMs: cfg.rotateMs });
    }
    this.kick(); // adopts spool files of dead processes right away
  }

  get depth(): number {
    return this.queue.size;
  }

  get spoolPending(): boolean {
    return this.spool.pending;
  }

  wants(outcome: CaptureOutcome): boolean {
    if (outcome === 'invalid' || outcome === 'repaired') return true;
    if (outcome === 'valid') return this.cfg.sampleValid > 0 && this.random() < this.cfg.sampleValid;
    return false;
  }

  offer(rec: CaptureRecord): boolean {
    if (this.closed) return false;
    if (!this.queue.push(rec)) {
      this.deps.metrics.captureDropped.inc();
      return false;
    }
    this.offered++;
    this.deps.metrics.captureQueueDepth.set(this.queue.size);
    this.kick();
    return true;
  }

  flush(): Promise<void> {
    const target = this.offered;
    if (this.acked >= target) return this.running ?? Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.kick(); // one more replay attempt if Redis is up
    await this.running;
    if (this.replayTimer) clearInterval(this.replayTimer);
    this.deps.redis?.off('ready', this.onReady);
    await this.file?.close();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop()
      .catch((err: unknown) => this.log.error('capture worker failed', { err }))
      .finally(() => {
        this.running = null;
        if (this.queue.size > 0) this.kick();
      });
  }

  private async loop(): Promise<void> {
    if (!this.initialised) {
      this.initialised = true;
      const adopted = this.stream ? await this.spool.adoptOrphans().catch(() => 0) : 0;
      if (adopted > 0) this.log.info('capture: adopted spool files of a previous process', { files: adopted });
    }
    for (;;) {
      const replayed = await this.replayChunk();
      if (this.queue.size === 0 && !replayed) return;
      if (this.queue.size > 0) await this.writeBatch(this.queue.take(this.cfg.batchSize));
    }
  }

  private serialise(batch: CaptureRecord[]): StreamLine[] {
    const out: StreamLine[] = [];
    for (const rec of batch) {
      try {
        out.push({ seq: ++this.seq, id: rec.id, json: JSON.stringify(this.redact(rec)) });
      } catch (err) {
        this.deps.metrics.captureRecords.inc({ sink: this.stream ? 'redis' : 'file', result: 'failed' });
        this.log.error('capture: record could not be serialised', { err, id: rec.id });
      }
    }
    return out;
  }

  private async writeBatch(batch: CaptureRecord[]): Promise<void> {
    this.deps.metrics.captureQueueDepth.set(this.queue.size);
    const lines = this.serialise(batch);
    try {
      if (this.file) {
        await this.file.append(lines.map((l) => l.json));
        this.deps.metrics.captureRecords.inc({ sink: 'file', result: 'written' }, lines.length);
      } else if (this.stream) {
        await this.writeStream(lines);
      }
    } catch (err) {
      this.deps.metrics.captureRecords.inc({ sink: this.file ? 'file' : 'spool', result: 'failed' }, lines.length);
      this.log.error('capture: write failed, records lost', { err, records: lines.length });
    }
    this.ack(batch.length);
  }

  private async writeStream(lines: StreamLine[]): Promise<void> {
    const stream = this.stream as RedisStreamSink;
    // While older records wait in the spool, newer ones queue up behind them to keep the order.
    if (!this.spool.pending && stream.ready) {
      try {
        await stream.write(this.spool.writer, lines);
        this.deps.metrics.captureRecords.inc({ sink: 'redis', result: 'written' }, lines.length);
        return;
      } catch (err) {
        this.startOutage(err);
      }
    } else if (!stream.ready) this.startOutage(new Error(`redis connection is ${this.deps.redis?.status ?? 'absent'}`));
    await this.spool.append(lines);
    this.deps.metrics.captureRecords.inc({ sink: 'redis', result: 'buffered' }, lines.length);
  }

  /** Replays one spool chunk when Redis is ready; true if progress was made. */
  private async replayChunk(): Promise<boolean> {
    const stream = this.stream;
    if (!stream || !this.spool.pending || !stream.ready) return false;
    try {
      const chunk = await this.spool.next();
      if (!chunk) return this.endOutage();
      const added = await stream.write(chunk.writer, chunk.lines);
      this.spool.commit(chunk);
      if (chunk.bad > 0) {
        this.deps.metrics.captureRecords.inc({ sink: 'spool', result: 'failed' }, chunk.bad);
        this.log.warn('capture: unreadable spool lines skipped', { file: chunk.file, lines: chunk.bad });
      }
      this.deps.metrics.captureRecords.inc({ sink: 'redis', result: 'replayed' }, added);
      if (!this.spool.pending) this.endOutage();
      return true;
    } catch (err) {
      this.startOutage(err);
      return false;
    }
  }

  private startOutage(err: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.log.warn('capture: redis unreachable, buffering records to the spool file', { err, spool: this.spool.dir });
  }

  private endOutage(): boolean {
    if (this.outage && !this.spool.pending) {
      this.outage = false;
      this.log.info('capture: redis reachable again, spool replayed');
    }
    return false;
  }

  private ack(n: number): void {
    this.acked += n;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.acked >= w.target) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
