// One cell's figures from its request outputs, following vllm/benchmarks/serve.py
// calculate_metrics: TTFT and E2EL per successful request; TPOT only for requests with more than
// one output token; ITL pooled over every request; throughputs over the cell's wall duration;
// goodput counts requests meeting all SLOs. Output tokens come from the usage chunk.
import { hasSlo, isGood, requestTpotS } from './goodput.js';
import { summarize } from './stats.js';
import type { CellMetrics, GoodputSlo, RequestOutput } from './types.js';

export function computeCellMetrics(
  outputs: readonly RequestOutput[],
  durationS: number,
  slo: GoodputSlo = {},
): CellMetrics {
  const ok = outputs.filter((o) => o.success);
  const ttfts = ok.map((o) => o.ttftS);
  const e2els = ok.map((o) => o.latencyS);
  const tpots = ok.filter((o) => o.outputTokens > 1).map(requestTpotS);
  const itls = ok.flatMap((o) => o.itlS);
  const totalIn = ok.reduce((s, o) => s + o.promptTokens, 0);
  const totalOut = ok.reduce((s, o) => s + o.outputTokens, 0);
  const dur = durationS > 0 ? durationS : Number.NaN;
  const rate = (x: number) => (Number.isFinite(dur) ? x / dur : 0);

  return {
    completed: ok.length,
    failed: outputs.length - ok.length,
    durationS,
    totalInputTokens: totalIn,
    totalOutputTokens: totalOut,
    requestThroughput: rate(ok.length),
    outputThroughput: rate(totalOut),
    totalTokenThroughput: rate(totalIn + totalOut),
    requestGoodput: hasSlo(slo) ? rate(ok.filter((o) => isGood(o, slo)).length) : null,
    ttftMs: summarize(ttfts, 1000),
    tpotMs: summarize(tpots, 1000),
    itlMs: summarize(itls, 1000),
    e2elMs: summarize(e2els, 1000),
    maxConcurrentRequests: peakConcurrency(ok),
    errors: countErrors(outputs),
    toolCallOutcomes: outcomeShares(ok),
  };
}

/** Exact peak of overlapping [start, end) intervals (a departure sorts before an arrival). */
export function peakConcurrency(outputs: readonly RequestOutput[]): number {
  const events: Array<[number, number]> = [];
  for (const o of outputs) events.push([o.startS, 1], [o.startS + o.latencyS, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of events) peak = Math.max(peak, (cur += d));
  return peak;
}

/** Error counts keyed `kind` or `kind:code` (e.g. `http_4xx:model_not_found`). */
function countErrors(outputs: readonly RequestOutput[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outputs) {
    if (o.success || !o.error) continue;
    const key = o.error.code ? `${o.error.kind}:${o.error.code}` : o.error.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function outcomeShares(ok: readonly RequestOutput[]): Record<string, number> {
  const withOutcome = ok.filter((o) => o.toolCallOutcome !== undefined);
  const shares: Record<string, number> = {};
  for (const o of withOutcome) shares[o.toolCallOutcome as string] = (shares[o.toolCallOutcome as string] ?? 0) + 1;
  for (const k of Object.keys(shares)) shares[k] = (shares[k] as number) / withOutcome.length;
  return shares;
}
