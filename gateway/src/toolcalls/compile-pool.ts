// The schema compile pool: one worker thread (compile-worker.ts) that checks tool schemas
// against the admission limits and turns them into validator code, one schema at a time, with a
// budget per schema — a time limit (the worker is terminated and replaced when it runs over) and
// a heap limit (V8 stops the worker when it is exceeded). The event loop only ever waits on a
// message, so a schema that takes seconds to compile delays its own request, not everyone's.
// The worker is unref'd while idle.
import { Worker } from 'node:worker_threads';
import type { CompileReply, CompileRequest } from './compile-worker.js';
import type { SchemaLimits } from './schema-limits.js';

/** limit: breaks an admission limit · invalid: Ajv refused it · the rest: the budget or the pool. */
export type CompileFailure = 'limit' | 'invalid' | 'timeout' | 'memory' | 'overloaded' | 'crashed';

export class SchemaCompileError extends Error {
  constructor(
    message: string,
    readonly reason: CompileFailure,
  ) {
    super(message);
    this.name = 'SchemaCompileError';
  }
}

export interface CompiledCode {
  code: string;
  /** V8 code cache of the loaded script (may be empty). */
  cachedData: Buffer;
}

export interface CompilePoolOptions {
  /** Heap limit of the worker (old generation), MiB. */
  maxHeapMb?: number;
  /** Most schemas waiting for the worker; more are refused as overloaded. */
  maxQueue?: number;
}

interface Job {
  id: number;
  schema: Record<string, unknown>;
  limits: SchemaLimits;
  checkOnly: boolean;
  timeoutMs: number;
  /** null when only the limits were checked. */
  resolve: (c: CompiledCode | null) => void;
  reject: (e: SchemaCompileError) => void;
  timer?: NodeJS.Timeout;
}

// Built: dist/…/compile-worker.js runs as is. From sources (tests, tsx) the worker registers
// tsx's loader first — Node 20 does not pass the parent's module hooks on to workers.
const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(`./compile-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
const sourceBoot = `(async () => { (await import('tsx/esm/api')).register(); await import(${JSON.stringify(workerUrl.href)}); })()`;

export class SchemaCompilePool {
  private worker: Worker | null = null;
  /** The worker has loaded (budgets run from then on, not during its start-up). */
  private ready = false;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private nextId = 1;
  private readonly maxHeapMb: number;
  private readonly maxQueue: number;

  constructor(opts: CompilePoolOptions = {}) {
    this.maxHeapMb = opts.maxHeapMb ?? 512;
    this.maxQueue = opts.maxQueue ?? 4096;
  }

  /** Checks `schema` against `limits` and generates its code, within `timeoutMs` of the worker starting on it. */
  compile(schema: Record<string, unknown>, limits: SchemaLimits, timeoutMs: number): Promise<CompiledCode> {
    return this.submit(schema, limits, false, timeoutMs) as Promise<CompiledCode>;
  }

  /** Only the limit check (for a schema whose validator is already cached). */
  async check(schema: Record<string, unknown>, limits: SchemaLimits, timeoutMs: number): Promise<void> {
    await this.submit(schema, limits, true, timeoutMs);
  }

  private submit(
    schema: Record<string, unknown>,
    limits: SchemaLimits,
    checkOnly: boolean,
    timeoutMs: number,
  ): Promise<CompiledCode | null> {
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new SchemaCompileError(`too many tool schemas waiting to compile (${this.queue.length})`, 'overloaded'),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, schema, limits, checkOnly, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  /** Starts the worker ahead of the first compile (it stays unref'd: it never holds the process). */
  warm(): void {
    if (!this.current) this.ensureWorker().unref();
  }

  /** Stops the worker; queued and running compiles fail. */
  async close(): Promise<void> {
    const pending = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = null;
    for (const job of pending) this.settle(job, new SchemaCompileError('schema compile pool closed', 'crashed'));
    const w = this.worker;
    this.worker = null;
    this.ready = false;
    await w?.terminate();
  }

  private pump(): void {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) {
      this.worker?.unref();
      return;
    }
    this.current = job;
    const worker = this.ensureWorker();
    worker.ref();
    if (this.ready) this.startBudget(job);
    worker.postMessage({
      id: job.id,
      schema: job.schema,
      limits: job.limits,
      checkOnly: job.checkOnly,
    } satisfies CompileRequest);
  }

  private startBudget(job: Job): void {
    job.timer = setTimeout(() => {
      this.replaceWorker(); // first: the next job must not go to the worker still busy with this one
      this.finish(job, new SchemaCompileError(`compiling took longer than ${job.timeoutMs} ms`, 'timeout'));
    }, job.timeoutMs);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const resourceLimits = { maxOldGenerationSizeMb: this.maxHeapMb };
    const worker = fromSource
      ? new Worker(sourceBoot, { eval: true, resourceLimits })
      : new Worker(workerUrl, { resourceLimits });
    worker.on('message', (reply: CompileReply) => {
      if (this.worker !== worker) return;
      const job = this.current;
      if ('ready' in reply) {
        this.ready = true;
        if (job && !job.timer) this.startBudget(job);
        return;
      }
      if (!job || reply.id !== job.id) return;
      if ('problem' in reply) this.finish(job, new SchemaCompileError(reply.problem, 'limit'));
      else if ('error' in reply) this.finish(job, new SchemaCompileError(reply.error, 'invalid'));
      else if ('checked' in reply) this.finish(job, null);
      else
        this.finish(job, {
          code: reply.code,
          cachedData: Buffer.from(reply.cachedData.buffer, reply.cachedData.byteOffset, reply.cachedData.byteLength),
        });
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.ready = false;
      const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const job = this.current;
      if (job)
        this.finish(
          job,
          new SchemaCompileError(
            memory ? `compiling needed more than ${this.maxHeapMb} MiB` : `compile worker failed: ${err.message}`,
            memory ? 'memory' : 'crashed',
          ),
        );
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.ready = false;
      const job = this.current;
      if (job) this.finish(job, new SchemaCompileError('compile worker exited', 'crashed'));
    });
    this.worker = worker;
    return worker;
  }

  private replaceWorker(): void {
    const w = this.worker;
    this.worker = null;
    this.ready = false;
    void w?.terminate();
  }

  private finish(job: Job, result: CompiledCode | null | SchemaCompileError): void {
    if (this.current !== job) return;
    this.current = null;
    this.settle(job, result);
    this.pump();
  }

  private settle(job: Job, result: CompiledCode | null | SchemaCompileError): void {
    clearTimeout(job.timer);
    if (result instanceof SchemaCompileError) job.reject(result);
    else job.resolve(result);
  }
}

export const defaultCompilePool = new SchemaCompilePool();
