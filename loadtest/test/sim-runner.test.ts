// The runner against the real simulator on loopback, with fixed timing (first token exactly
// ttftMs after arrival, later tokens itlMs apart): the measured figures must equal the
// configured ones within a small tolerance, and token counts must match what the pod generated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim/index.js';
import { runCell, type CellOptions } from '../src/runner/cell-runner.js';
import { buildPromptPool } from '../src/runner/prompt-pool.js';
import { createTokenCounter, estimateCounter, usageCount } from '../src/runner/token-counter.js';
import { buildPrompt, fillerWords } from '../src/runner/prompts.js';
import { createRng } from '../src/runner/rng.js';

const MODEL = 'sim-qwen3';
const TTFT_MS = 60;
const ITL_MS = 12;

type Sim = Awaited<ReturnType<typeof startSim>>;

describe('runner against the simulator (fixed timing)', () => {
  let sim: Sim;
  let base: string;
  beforeAll(async () => {
    sim = await startSim({
      pods: 1,
      port: 0,
      model: MODEL,
      profile: { kind: 'fixed', ttftMs: TTFT_MS, itlMs: ITL_MS },
      seed: 1,
    });
    base = sim.urls[0] as string;
  });
  afterAll(async () => {
    await sim?.close();
  });

  const cellOpts = async (over: Partial<CellOptions>): Promise<CellOptions> => {
    const counter = await createTokenCounter(base, MODEL, buildPrompt(0, [], 0, 4));
    return {
      baseUrl: base,
      model: MODEL,
      // Plain chat: the simulator streams one token per chunk (a tool call may arrive in fewer chunks).
      pool: await buildPromptPool(256, 4, counter, { seed: 1, tools: false }),
      concurrency: 2,
      requests: 8,
      durationS: null,
      warmupRequests: 2,
      maxTokens: 24,
      requestRate: Infinity,
      burstiness: 1,
      seed: 1,
      timeoutS: 30,
      goodput: { ttftMs: TTFT_MS + 200, tpotMs: ITL_MS + 20 },
      prometheusUrl: null,
      prometheusIntervalS: 1,
      ...over,
    };
  };

  it('TTFT, TPOT and ITL equal the configured values; token counts and throughput match the pod', async () => {
    const before = sim.pods[0]!.stats() as { generationTokens?: number };
    const run = await runCell(await cellOpts({}));
    const m = run.metrics;
    expect(m.failed).toBe(0);
    expect(m.completed).toBe(8);
    // Timer and loopback overhead only ever add: a few ms on an idle machine; allow 25 ms slack.
    expect(m.ttftMs.p50).toBeGreaterThanOrEqual(TTFT_MS - 2);
    expect(m.ttftMs.p50).toBeLessThan(TTFT_MS + 25);
    expect(m.tpotMs.mean).toBeGreaterThan(ITL_MS - 2);
    expect(m.tpotMs.mean).toBeLessThan(ITL_MS + 4);
    expect(m.itlMs.p50).toBeGreaterThan(ITL_MS - 3);
    expect(m.itlMs.p50).toBeLessThan(ITL_MS + 4);
    // ignore_eos + max_tokens: every request generates exactly max_tokens, reported in usage.
    for (const o of run.outputs) {
      expect(o.outputTokens).toBe(24);
      expect(o.chunks).toBeGreaterThanOrEqual(1);
      expect(o.itlS.length).toBe(o.chunks - 1);
    }
    expect(m.totalOutputTokens).toBe(8 * 24);
    expect(m.outputThroughput * m.durationS).toBeCloseTo(m.totalOutputTokens, 6);
    const after = sim.pods[0]!.stats() as { generationTokens?: number };
    if (typeof after.generationTokens === 'number' && typeof before.generationTokens === 'number') {
      // The pod generated the measured tokens plus the warm-up's.
      expect(after.generationTokens - before.generationTokens).toBe(
        m.totalOutputTokens + run.warmup.reduce((s, o) => s + o.outputTokens, 0),
      );
    }
    // Closed loop at concurrency 2: 8 requests of ≈ 60 + 23·12 ms take ≈ 4 rounds.
    const e2e = (TTFT_MS + 23 * ITL_MS) / 1000;
    expect(m.durationS).toBeGreaterThan(4 * e2e * 0.95);
    expect(m.durationS).toBeLessThan(4 * e2e * 1.6);
    expect(m.maxConcurrentRequests).toBe(2);
    expect(m.requestGoodput).toBeCloseTo(m.requestThroughput, 9); // all within the generous SLO
    expect(m.toolCallOutcomes).toEqual({}); // no tools sent, nothing to classify
  });

  it('with tools, every successful request gets a tool-call outcome', async () => {
    const counter = await createTokenCounter(base, MODEL, buildPrompt(0, [], 0, 4));
    const pool = await buildPromptPool(1024, 4, counter, { seed: 1, tools: true });
    const run = await runCell(await cellOpts({ pool, requests: 6, maxTokens: 48, warmupRequests: 0 }));
    expect(run.metrics.failed).toBe(0);
    for (const o of run.outputs) expect(['tool_calls', 'raw_text', 'none']).toContain(o.toolCallOutcome);
    const shares = Object.values(run.metrics.toolCallOutcomes).reduce((s, x) => s + x, 0);
    expect(shares).toBeCloseTo(1, 9);
  });

  it('open loop: requests leave on the seeded schedule, not as fast as possible', async () => {
    const run = await runCell(
      await cellOpts({ requests: 20, concurrency: 20, requestRate: 10, warmupRequests: 0, maxTokens: 4 }),
    );
    expect(run.metrics.failed).toBe(0);
    const starts = run.outputs.map((o) => o.startS).sort((a, b) => a - b);
    // vLLM's rescaling puts the last arrival at N / rate = 2 s.
    expect(starts.at(-1)!).toBeGreaterThan(1.95);
    expect(starts.at(-1)!).toBeLessThan(2.2);
    expect(run.metrics.requestThroughput).toBeGreaterThan(20 / 2.6);
  });

  it('duration mode stops issuing at the deadline', async () => {
    const run = await runCell(
      await cellOpts({ requests: null, durationS: 1, concurrency: 2, maxTokens: 8, warmupRequests: 0 }),
    );
    const e2e = (TTFT_MS + 7 * ITL_MS) / 1000;
    expect(run.metrics.completed).toBeGreaterThanOrEqual(Math.floor(1 / e2e) * 2 - 2);
    expect(Math.max(...run.outputs.map((o) => o.startS))).toBeLessThan(1);
  });

  it('prompts hit the context length as measured by the pod /tokenize', async () => {
    const counter = await createTokenCounter(base, MODEL, buildPrompt(0, fillerWords(createRng(1), 8), 8, 4));
    expect(counter.method).toBe('tokenize');
    for (const ctx of [256, 1024]) {
      const pool = await buildPromptPool(ctx, 3, counter, { seed: 2, tools: true });
      for (const p of pool.prompts) {
        expect(p.tokens).toBeLessThanOrEqual(ctx);
        expect(p.tokens).toBeGreaterThan(ctx * 0.97);
        // Qwen3's tool preamble alone is ~300 tokens: 256-token prompts are plain chat.
        expect(p.prompt.tools?.length ?? 0).toBe(ctx === 256 ? 0 : 4);
      }
      // Variants differ (no accidental prefix-cache hits across the whole prompt).
      expect(new Set(pool.prompts.map((p) => JSON.stringify(p.prompt.messages))).size).toBe(3);
    }
    // usage.prompt_tokens (the fallback for targets without /tokenize) agrees with /tokenize.
    const sample = (await buildPromptPool(1024, 1, counter, { seed: 4, tools: true })).prompts[0]!;
    // (Up to the empty think block enable_thinking=false adds: the simulator's /tokenize does not
    // yet honour chat_template_kwargs, vLLM's does.)
    const viaUsage = (await usageCount(base, MODEL, sample.prompt)) as number;
    expect(viaUsage - sample.tokens).toBeGreaterThanOrEqual(0);
    expect(viaUsage - sample.tokens).toBeLessThanOrEqual(12);
    // Without /tokenize the estimate sizes the prompt; the simulator's stand-in tokenizer splits
    // long words more finely than Qwen's BPE, so only the order of magnitude can agree here.
    const est = await buildPromptPool(1024, 1, estimateCounter, { seed: 2, tools: true });
    expect(est.prompts[0]!.tokens).toBeLessThanOrEqual(1024);
    expect(est.prompts[0]!.tokens).toBeGreaterThan(1000);
    const real = await counter.count(est.prompts[0]!.prompt);
    expect(real / 1024).toBeGreaterThan(0.5);
    expect(real / 1024).toBeLessThan(2);
  });
});

describe('request tags', () => {
  it('make every prompt unique without changing its measured length', async () => {
    const { tagPrompt } = await import('../src/runner/prompts.js');
    const sim = await startSim({ pods: 1, port: 0, model: MODEL, seed: 1 });
    try {
      const base = sim.urls[0] as string;
      const counter = await createTokenCounter(base, MODEL, buildPrompt(0, [], 0, 4));
      const p = buildPrompt(1, fillerWords(createRng(3), 300), 300, 4);
      const a = tagPrompt(p, 7);
      const b = tagPrompt(p, 12345678);
      expect(a.messages[1]!.content).toContain('Request 00000007.');
      expect(a.messages[1]!.content).not.toBe(b.messages[1]!.content);
      expect(a.messages[0]).toEqual(p.messages[0]); // the shared head stays shared
      const n = await counter.count(p);
      expect(await counter.count(a)).toBe(n);
      expect(await counter.count(b)).toBe(n);
    } finally {
      await sim.close();
    }
  });
});
