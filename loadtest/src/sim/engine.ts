// One simulated vLLM engine: a V1-style scheduler loop in wall-clock time. Each step spends a
// token budget (max_num_batched_tokens) on running sequences first (decode tokens, unfinished
// prefill chunks), then admits waiting ones (chunked prefill, prefix-cache hits skipped), up
// to max_num_seqs. A step lasts as long as the calibrated cost model says; tokens are emitted
// when it ends. KV blocks are allocated as sequences grow; when they run out, the newest
// running sequence is preempted (recomputed later), as vLLM V1 does.
import { performance } from 'node:perf_hooks';
import { blockHashes, KvCache, type KvHolding } from './kv-cache.js';
import type { PodMetrics } from './metrics.js';
import type { BatchingProfile, EngineProfile } from './profiles.js';

export interface EngineRequestSpec {
  promptIds: number[];
  /** Exactly this many output tokens are produced (the caller already applied max_tokens etc.). */
  outputTokens: number;
  finishReason: 'stop' | 'length';
  /** Per-request fixed timing (fixed profile or sim_script overrides): bypasses batching. */
  timing?: { ttftMs: number; itlMs: number };
  /** Called for each output token, index 0 first. */
  onToken(index: number): void;
  /** Called once after the last token. */
  onFinish(reason: 'stop' | 'length'): void;
}

export interface EngineHandle {
  /** The client went away: drop the request and free its KV blocks. */
  abort(opts?: { clientDisconnect?: boolean }): void;
}

export interface EngineCounters {
  completed: number;
  aborted: number;
  promptTokens: number;
  generationTokens: number;
  prefixCacheQueries: number;
  prefixCacheHits: number;
}

interface Seq {
  spec: EngineRequestSpec;
  arrival: number;
  promptLen: number;
  hashes: string[];
  holding: KvHolding;
  numTokens: number;
  computed: number;
  generated: number;
  admitted: boolean;
  lastTokenAt: number;
  done: boolean;
  timer?: NodeJS.Timeout;
}

const FIXED_KV_BLOCKS = 1 << 30; // fixed profile: bookkeeping only, never full

export class Engine {
  readonly counters: EngineCounters = {
    completed: 0,
    aborted: 0,
    promptTokens: 0,
    generationTokens: 0,
    prefixCacheQueries: 0,
    prefixCacheHits: 0,
  };
  private readonly kv: KvCache;
  private readonly batching: BatchingProfile | undefined;
  private readonly fixedTiming: { ttftMs: number; itlMs: number } | undefined;
  private readonly blockSize: number;
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private readonly fixed = new Set<Seq>();
  private stepTimer: NodeJS.Timeout | undefined;
  private lastStepEnd = 0;
  private closed = false;

  constructor(
    profile: EngineProfile,
    private readonly metrics: PodMetrics | undefined,
  ) {
    this.batching = profile.kind === 'engine' ? profile : undefined;
    this.fixedTiming = profile.kind === 'fixed' ? { ttftMs: profile.ttftMs, itlMs: profile.itlMs } : undefined;
    this.blockSize = profile.blockSize ?? 16;
    this.kv = new KvCache(this.batching?.numGpuBlocks ?? FIXED_KV_BLOCKS, this.blockSize);
  }

  get numRunning(): number {
    return this.running.length + this.fixed.size;
  }
  get numWaiting(): number {
    return this.waiting.length;
  }
  kvUsage(): number {
    return this.batching ? this.kv.usage() : 0;
  }

  submit(spec: EngineRequestSpec): EngineHandle {
    const seq: Seq = {
      spec,
      arrival: performance.now(),
      promptLen: spec.promptIds.length,
      hashes: blockHashes(spec.promptIds, this.blockSize),
      holding: { hashed: [], privateBlocks: 0 },
      numTokens: spec.promptIds.length,
      computed: 0,
      generated: 0,
      admitted: false,
      lastTokenAt: 0,
      done: false,
    };
    const timing = spec.timing ?? this.fixedTiming;
    if (timing) this.startFixed(seq, timing);
    else {
      this.waiting.push(seq);
      this.kick();
    }
    return { abort: (opts) => this.abort(seq, opts?.clientDisconnect ?? true) };
  }

  close(): void {
    this.closed = true;
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = undefined;
    for (const s of [...this.waiting, ...this.running, ...this.fixed]) {
      if (s.timer) clearTimeout(s.timer);
      s.done = true;
    }
    this.waiting.length = 0;
    this.running.length = 0;
    this.fixed.clear();
  }

  // ---- prefix cache bookkeeping shared by both paths ----

  /** Looks up the prompt's cached prefix; vLLM always recomputes at least the last prompt token. */
  private lookupPrefix(seq: Seq): number {
    const maxBlocks = Math.floor((seq.numTokens - 1) / this.blockSize);
    const hitBlocks = Math.min(this.kv.cachedPrefixBlocks(seq.hashes), maxBlocks);
    const hit = hitBlocks * this.blockSize;
    this.counters.prefixCacheQueries += seq.numTokens;
    this.counters.prefixCacheHits += hit;
    this.metrics?.prefixLookup(seq.numTokens, hit);
    return hit;
  }

  private emitToken(seq: Seq, now: number): void {
    if (seq.generated === 0) {
      this.metrics?.firstToken((now - seq.arrival) / 1000);
      this.counters.promptTokens += seq.promptLen;
      this.metrics?.promptComputed(seq.promptLen);
    } else this.metrics?.interToken((now - seq.lastTokenAt) / 1000);
    seq.lastTokenAt = now;
    const index = seq.generated++;
    seq.numTokens++;
    this.counters.generationTokens++;
    this.metrics?.tokenGenerated();
    seq.spec.onToken(index);
    if (seq.generated >= seq.spec.outputTokens && !seq.done) this.finish(seq, now);
  }

  private finish(seq: Seq, now: number): void {
    seq.done = true;
    this.kv.release(seq.holding);
    this.remove(seq);
    this.counters.completed++;
    this.metrics?.finished(seq.spec.finishReason, (now - seq.arrival) / 1000);
    seq.spec.onFinish(seq.spec.finishReason);
  }

  private remove(seq: Seq): void {
    const w = this.waiting.indexOf(seq);
    if (w >= 0) this.waiting.splice(w, 1);
    const r = this.running.indexOf(seq);
    if (r >= 0) this.running.splice(r, 1);
    this.fixed.delete(seq);
    if (seq.timer) clearTimeout(seq.timer);
  }

  private abort(seq: Seq, clientDisconnect: boolean): void {
    if (seq.done) return;
    seq.done = true;
    this.kv.release(seq.holding);
    this.remove(seq);
    if (clientDisconnect) this.counters.aborted++;
    this.metrics?.finished('abort', (performance.now() - seq.arrival) / 1000);
    this.kick(); // freed blocks may let a waiting request in
  }

  // ---- fixed timing: first token ttftMs after arrival, then one every itlMs ----

  private startFixed(seq: Seq, timing: { ttftMs: number; itlMs: number }): void {
    this.fixed.add(seq);
    seq.admitted = true;
    this.lookupPrefix(seq);
    this.kv.grow(seq.holding, seq.hashes, Math.ceil(seq.numTokens / this.blockSize)); // best effort
    this.metrics?.queueTime(0);
    const due = (i: number) => seq.arrival + timing.ttftMs + i * timing.itlMs;
    const next = () => {
      if (seq.done) return;
      const now = performance.now();
      // Catch up on late timers so the schedule stays anchored to arrival.
      while (!seq.done && seq.generated < seq.spec.outputTokens && due(seq.generated) <= now + 0.5)
        this.emitToken(seq, now);
      if (!seq.done) seq.timer = setTimeout(next, Math.max(0, due(seq.generated) - performance.now()));
    };
    seq.timer = setTimeout(next, Math.max(0, due(0) - performance.now()));
  }

  // ---- continuous batching ----

  private kick(): void {
    if (this.stepTimer || this.closed || !this.batching) return;
    if (this.running.length === 0 && this.waiting.length === 0) return;
    const plan = this.schedule(this.batching);
    if (plan.length === 0) return; // nothing fits; an abort or finish will kick again
    const now = performance.now();
    const start = Math.max(now, this.lastStepEnd);
    const end = start + this.stepMs(this.batching, plan);
    this.lastStepEnd = end;
    this.stepTimer = setTimeout(
      () => {
        this.stepTimer = undefined;
        this.completeStep(plan);
        this.kick();
      },
      Math.max(0, end - now),
    );
  }

  private schedule(p: BatchingProfile): Array<[Seq, number]> {
    const plan: Array<[Seq, number]> = [];
    let budget = p.maxNumBatchedTokens;
    const scheduled = new Set<Seq>();
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i]!;
      const n = Math.min(seq.numTokens - seq.computed, budget);
      if (n <= 0) continue;
      const need = Math.ceil((seq.computed + n) / this.blockSize);
      let ok = this.kv.grow(seq.holding, seq.hashes, need);
      while (!ok) {
        const victim = this.running[this.running.length - 1]!;
        this.preempt(victim);
        if (scheduled.has(victim)) {
          scheduled.delete(victim);
          plan.splice(
            plan.findIndex(([s]) => s === victim),
            1,
          );
        }
        if (victim === seq) break;
        ok = this.kv.grow(seq.holding, seq.hashes, need);
      }
      if (!ok) break;
      plan.push([seq, n]);
      scheduled.add(seq);
      budget -= n;
    }
    while (this.waiting.length > 0 && this.running.length < p.maxNumSeqs && budget > 0) {
      const seq = this.waiting[0]!;
      const hit = this.lookupPrefix(seq);
      const n = Math.min(seq.numTokens - hit, budget);
      if (!this.kv.grow(seq.holding, seq.hashes, Math.ceil((hit + n) / this.blockSize))) break;
      seq.computed = hit;
      this.waiting.shift();
      this.running.push(seq);
      if (!seq.admitted) {
        seq.admitted = true;
        this.metrics?.queueTime((performance.now() - seq.arrival) / 1000);
      }
      plan.push([seq, n]);
      budget -= n;
    }
    return plan;
  }

  private preempt(seq: Seq): void {
    this.kv.release(seq.holding);
    const r = this.running.indexOf(seq);
    if (r >= 0) this.running.splice(r, 1);
    seq.computed = 0;
    this.waiting.unshift(seq);
    this.metrics?.preempted();
  }

  /** Calibrated step cost: decode term (batch size, KV tokens) + prefill term (tokens / throughput). */
  private stepMs(p: BatchingProfile, plan: Array<[Seq, number]>): number {
    let decodeSeqs = 0;
    let kvTokens = 0;
    let prefillTokens = 0;
    for (const [seq, n] of plan) {
      if (n === 1 && seq.computed >= seq.promptLen) {
        decodeSeqs++;
        kvTokens += seq.computed + 1;
      } else prefillTokens += n;
    }
    let ms = p.decodeBaseMs + p.decodePerSeqMs * decodeSeqs + p.decodePerKvTokenMs * kvTokens;
    if (prefillTokens > 0) ms += p.prefillBaseMs + (prefillTokens / p.prefillTokensPerSecond) * 1000;
    return ms;
  }

  private completeStep(plan: Array<[Seq, number]>): void {
    const now = performance.now();
    for (const [seq, n] of plan) {
      if (seq.done) continue; // aborted mid-step (preemptions happen only while scheduling)
      seq.computed += n;
      if (seq.computed >= seq.numTokens) this.emitToken(seq, now);
    }
  }
}
