// Runs one cell of the matrix: warm-up (excluded), then the measured phase — a fixed number of
// requests or a duration — under a concurrency cap, with arrivals either all at once (closed
// loop: each finished request frees a slot for the next) or on an open-loop Poisson/gamma
// schedule, as `vllm bench serve --request-rate R --burstiness B --max-concurrency C` does.
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { arrivalOffsets, arrivalGaps } from './arrivals.js';
import { computeCellMetrics } from './metrics.js';
import { startSampler } from './prometheus.js';
import type { PromptPool } from './prompt-pool.js';
import { createRng } from './rng.js';
import { streamChat } from './stream-request.js';
import { tagPrompt } from './prompts.js';
import type { CellMetrics, GoodputSlo, RequestOutput, ServerReading } from './types.js';

export interface CellOptions {
  baseUrl: string;
  model: string;
  pool: PromptPool;
  concurrency: number;
  /** Exactly one of requests / durationS is set. */
  requests: number | null;
  durationS: number | null;
  warmupRequests: number;
  maxTokens: number;
  requestRate: number;
  burstiness: number;
  seed: number;
  timeoutS: number;
  goodput: GoodputSlo;
  prometheusUrl: string | null;
  prometheusIntervalS: number;
  headers?: Record<string, string>;
  /** Called after each measured request; `total` is null in duration mode. */
  onProgress?: (done: number, total: number | null, failed: number) => void;
}

export interface CellRun {
  outputs: RequestOutput[];
  warmup: RequestOutput[];
  metrics: CellMetrics;
  server: ServerReading[];
}

export async function runCell(opts: CellOptions): Promise<CellRun> {
  const dispatcher = new Agent({ connections: opts.concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  let next = 0;
  // Request numbers differ per cell (seed) and per request, so no two prompts repeat.
  const tagBase = (opts.seed % 1000) * 100_000;
  const send = (originMs: number) => {
    const n = next++;
    const sized = opts.pool.prompts[n % opts.pool.prompts.length];
    if (!sized) throw new Error('empty prompt pool');
    return streamChat({
      baseUrl: opts.baseUrl,
      model: opts.model,
      prompt: tagPrompt(sized.prompt, tagBase + n),
      promptTokens: sized.tokens,
      maxTokens: opts.maxTokens,
      timeoutS: opts.timeoutS,
      dispatcher,
      originMs,
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
  };

  try {
    const warmup = await closedLoop(opts.warmupRequests, null, opts.concurrency, send, performance.now());
    const sampler = opts.prometheusUrl ? startSampler(opts.prometheusUrl, opts.prometheusIntervalS) : null;
    const origin = performance.now();
    let done = 0;
    let failed = 0;
    const total = opts.requests;
    const counted = async (o: number): Promise<RequestOutput> => {
      const out = await send(o);
      done++;
      if (!out.success) failed++;
      opts.onProgress?.(done, total, failed);
      return out;
    };
    const rng = createRng(opts.seed);
    const outputs =
      opts.requestRate === Infinity
        ? await closedLoop(opts.requests, opts.durationS, opts.concurrency, counted, origin)
        : await openLoop(opts, counted, origin, rng);
    const durationS = (performance.now() - origin) / 1000;
    const server = sampler ? await sampler.stop() : [];
    return { outputs, warmup, metrics: computeCellMetrics(outputs, durationS, opts.goodput), server };
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

type Sender = (originMs: number) => Promise<RequestOutput>;

/** `concurrency` workers, each sending its next request as soon as the previous one finished. */
async function closedLoop(
  requests: number | null,
  durationS: number | null,
  concurrency: number,
  send: Sender,
  origin: number,
): Promise<RequestOutput[]> {
  const outputs: RequestOutput[] = [];
  let issued = 0;
  const deadline = durationS !== null ? origin + durationS * 1000 : Infinity;
  const more = () => (requests !== null ? issued < requests : performance.now() < deadline);
  const worker = async () => {
    while (more()) {
      issued++;
      outputs.push(await send(origin));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outputs;
}

/** Requests arrive on a seeded schedule; at most `concurrency` are in flight (the rest queue). */
async function openLoop(
  opts: CellOptions,
  send: Sender,
  origin: number,
  rng: ReturnType<typeof createRng>,
): Promise<RequestOutput[]> {
  const arrivals = { requestRate: opts.requestRate, burstiness: opts.burstiness };
  let offsets: number[];
  if (opts.requests !== null) offsets = arrivalOffsets(opts.requests, arrivals, rng);
  else {
    // Duration mode: draw gaps until the schedule passes the end; no rescaling (no fixed N).
    offsets = [];
    for (let t = 0; ;) {
      t += arrivalGaps(1, arrivals, rng)[0] as number;
      if (t > (opts.durationS as number)) break;
      offsets.push(t);
    }
  }
  const slots = semaphore(opts.concurrency);
  return Promise.all(
    offsets.map(async (offset) => {
      const wait = origin + offset * 1000 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const release = await slots();
      try {
        return await send(origin);
      } finally {
        release();
      }
    }),
  );
}

function semaphore(n: number): () => Promise<() => void> {
  let free = n;
  const waiters: Array<() => void> = [];
  const release = () => {
    const w = waiters.shift();
    if (w) w();
    else free++;
  };
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiters.push(r));
    return release;
  };
}
