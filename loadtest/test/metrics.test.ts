import { describe, expect, it } from 'vitest';
import { isGood, parseGoodput, requestTpotS } from '../src/runner/goodput.js';
import { computeCellMetrics, peakConcurrency } from '../src/runner/metrics.js';
import type { RequestOutput } from '../src/runner/types.js';

const req = (o: Partial<RequestOutput>): RequestOutput => ({
  success: true,
  startS: 0,
  ttftS: 0,
  latencyS: 0,
  itlS: [],
  promptTokens: 100,
  outputTokens: 0,
  chunks: 0,
  ...o,
});

// A: good (TTFT 50 ms, TPOT (500−50)/50 = 9 ms); B: TTFT 150 ms breaks the TTFT SLO;
// C: TPOT (1050−50)/50 = 20 ms breaks the TPOT SLO; D: one token → TPOT counts as 0, good;
// E: failed — never good, not in any latency figure.
const A = req({
  startS: 0,
  ttftS: 0.05,
  latencyS: 0.5,
  outputTokens: 51,
  itlS: [0.01, 0.02],
  toolCallOutcome: 'valid',
});
const B = req({ startS: 0.1, ttftS: 0.15, latencyS: 0.6, outputTokens: 11, itlS: [0.03], toolCallOutcome: 'valid' });
const C = req({
  startS: 0.2,
  ttftS: 0.05,
  latencyS: 1.05,
  outputTokens: 51,
  itlS: [0.04],
  toolCallOutcome: 'repaired',
});
const D = req({ startS: 1.5, ttftS: 0.08, latencyS: 0.08, outputTokens: 1, toolCallOutcome: 'invalid' });
const E = req({
  success: false,
  startS: 1.6,
  error: { kind: 'http_4xx', status: 404, code: 'model_not_found', message: 'nope' },
});
const F = req({ success: false, startS: 1.7, error: { kind: 'connection', message: 'ECONNREFUSED' } });

describe('goodput', () => {
  it('parses vLLM-style SLO arguments and rejects bad ones', () => {
    expect(parseGoodput(['ttft:100', 'tpot:10'])).toEqual({ ttftMs: 100, tpotMs: 10 });
    expect(parseGoodput(['ttft:100 e2el:2000'])).toEqual({ ttftMs: 100, e2elMs: 2000 });
    expect(() => parseGoodput(['ttfb:100'])).toThrow(/unknown metric 'ttfb'/);
    expect(() => parseGoodput(['ttft=100'])).toThrow(/NAME:MILLISECONDS/);
    expect(() => parseGoodput(['ttft:-3'])).toThrow(/non-negative/);
  });

  it('uses TPOT = (e2e − ttft)/(n − 1) and 0 for one-token answers', () => {
    expect(requestTpotS(A) * 1000).toBeCloseTo(9, 9);
    expect(requestTpotS(D)).toBe(0);
    const slo = { ttftMs: 100, tpotMs: 10 };
    expect([A, B, C, D, E].map((r) => isGood(r, slo))).toEqual([true, false, false, true, false]);
  });
});

describe('computeCellMetrics', () => {
  const m = computeCellMetrics([A, B, C, D, E, F], 2, { ttftMs: 100, tpotMs: 10 });

  it('counts, token totals and throughputs over the duration', () => {
    expect(m.completed).toBe(4);
    expect(m.failed).toBe(2);
    expect(m.totalOutputTokens).toBe(51 + 11 + 51 + 1);
    expect(m.totalInputTokens).toBe(400);
    expect(m.requestThroughput).toBeCloseTo(2, 12);
    expect(m.outputThroughput).toBeCloseTo(114 / 2, 12);
    expect(m.totalTokenThroughput).toBeCloseTo(514 / 2, 12);
    expect(m.requestGoodput).toBeCloseTo(1, 12); // A and D over 2 s
  });

  it('latency figures follow vLLM: TPOT only for n > 1, ITL pooled', () => {
    expect(m.ttftMs.count).toBe(4);
    expect(m.ttftMs.mean).toBeCloseTo((50 + 150 + 50 + 80) / 4, 9);
    expect(m.tpotMs.count).toBe(3);
    expect(m.tpotMs.mean).toBeCloseTo((9 + 45 + 20) / 3, 9); // B: (600−150)/10 = 45
    expect(m.itlMs.count).toBe(4);
    expect(m.itlMs.p50).toBeCloseTo(25, 9); // pooled [10, 20, 30, 40] → h = 1.5
    expect(m.e2elMs.max).toBeCloseTo(1050, 9);
  });

  it('errors by kind and code, tool-call outcome shares, peak concurrency', () => {
    expect(m.errors).toEqual({ 'http_4xx:model_not_found': 1, connection: 1 });
    expect(m.toolCallOutcomes).toEqual({ valid: 0.5, repaired: 0.25, invalid: 0.25 });
    expect(m.maxConcurrentRequests).toBe(3); // A [0,.5) B [.1,.7) C [.2,1.25) overlap
    expect(peakConcurrency([req({ startS: 0, latencyS: 1 }), req({ startS: 1, latencyS: 1 })])).toBe(1); // half-open
  });

  it('goodput is null without SLOs and an empty cell has zeros, not NaN', () => {
    expect(computeCellMetrics([A], 1).requestGoodput).toBeNull();
    const empty = computeCellMetrics([], 0);
    expect(empty.requestThroughput).toBe(0);
    expect(empty.ttftMs.p95).toBe(0);
  });
});
