// Turns the measured matrix into vLLM settings. The rule, stated in every report:
//  1. A cell is eligible when its P95 TTFT is within the target and at most 1 % of its requests
//     failed; per context length the best cell is the eligible one with the highest output
//     token throughput.
//  2. max_num_seqs (per pod) = the smallest of those best concurrencies over the context
//     lengths that have one, divided by the pods behind the target — so the SLO still holds
//     for the longest prompts served.
//  3. max_num_batched_tokens = the next power of two ≥ (longest eligible context + max_num_seqs),
//     at least 2048: one step can then take a whole new prompt alongside one decode token per
//     running sequence, so chunked prefill does not spread a prompt over several steps.
//  4. With several server settings in the matrix, the measured settings win over the derived
//     ones: the target whose best eligible throughput, summed over context lengths, is highest.
import type { CellResult, RunResults, ServerSettings } from '../runner/types.js';

export const MAX_ERROR_RATE = 0.01;

export const RULE_TEXT =
  'A cell is eligible when its P95 TTFT ≤ the target and ≤ 1 % of its requests failed; per context length the best cell is the eligible one with the highest output-token throughput. ' +
  'max_num_seqs (per pod) = the smallest best concurrency over the context lengths, divided by the pods behind the target. ' +
  'max_num_batched_tokens = next power of two ≥ (longest eligible context + max_num_seqs), at least 2048, so one scheduler step holds a whole new prompt plus one decode token per running sequence. ' +
  'When the matrix sweeps server settings, the settings whose best eligible throughput summed over context lengths is highest are recommended as measured.';

export interface BestCell {
  contextTokens: number;
  concurrency: number;
  outputThroughput: number;
  ttftP95Ms: number;
  /** False when even the highest concurrency tested met the target: the knee lies beyond the matrix. */
  kneeFound: boolean;
}

export interface TargetRecommendation {
  label: string;
  settings: ServerSettings;
  perContext: Array<{ contextTokens: number; best: BestCell | null }>;
  maxNumSeqs: number | null;
  maxNumBatchedTokens: number | null;
  /** Σ over context lengths of the best eligible throughput (tok/s). */
  score: number;
  notes: string[];
}

export interface Recommendation {
  rule: string;
  ttftP95TargetMs: number;
  targets: TargetRecommendation[];
  /** Label of the measured settings that won (only with ≥ 2 targets). */
  bestMeasured: string | null;
}

export function isEligible(cell: CellResult, ttftP95TargetMs: number): boolean {
  const m = cell.metrics;
  const total = m.completed + m.failed;
  return !cell.aborted && m.completed > 0 && m.failed / total <= MAX_ERROR_RATE && m.ttftMs.p95 <= ttftP95TargetMs;
}

export function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

export function recommend(results: RunResults): Recommendation {
  const target = results.config.ttftP95TargetMs;
  const targets = results.config.targets.map((t) =>
    recommendFor(
      t,
      results.cells.filter((c) => c.targetLabel === t.label),
      target,
    ),
  );
  let bestMeasured: string | null = null;
  if (targets.length > 1) {
    const ranked = [...targets].filter((t) => t.score > 0).sort((a, b) => b.score - a.score);
    bestMeasured = ranked[0]?.label ?? null;
  }
  return { rule: RULE_TEXT, ttftP95TargetMs: target, targets, bestMeasured };
}

function recommendFor(settings: ServerSettings, cells: CellResult[], ttftTarget: number): TargetRecommendation {
  const notes: string[] = [];
  const contexts = [...new Set(cells.map((c) => c.contextTokens))].sort((a, b) => a - b);
  const perContext = contexts.map((ctx) => {
    const row = cells.filter((c) => c.contextTokens === ctx && !c.aborted);
    const eligible = row.filter((c) => isEligible(c, ttftTarget));
    if (eligible.length === 0) return { contextTokens: ctx, best: null };
    const best = eligible.reduce((a, b) => (b.metrics.outputThroughput > a.metrics.outputThroughput ? b : a));
    const maxTested = Math.max(...row.map((c) => c.concurrency));
    return {
      contextTokens: ctx,
      best: {
        contextTokens: ctx,
        concurrency: best.concurrency,
        outputThroughput: best.metrics.outputThroughput,
        ttftP95Ms: best.metrics.ttftMs.p95,
        kneeFound: best.concurrency < maxTested,
      },
    };
  });

  const withBest = perContext.filter((p) => p.best !== null).map((p) => p.best);
  for (const p of perContext)
    if (!p.best)
      notes.push(`No tested concurrency meets P95 TTFT ≤ ${ttftTarget} ms at ${p.contextTokens} tokens of context.`);
  const score = withBest.reduce((s, b) => s + b.outputThroughput, 0);
  if (withBest.length === 0)
    return { label: settings.label, settings, perContext, maxNumSeqs: null, maxNumBatchedTokens: null, score, notes };

  const pods = settings.pods ?? 1;
  const limiting = withBest.reduce((a, b) => (b.concurrency < a.concurrency ? b : a));
  const maxNumSeqs = Math.max(1, Math.ceil(limiting.concurrency / pods));
  const longest = Math.max(...withBest.map((b) => b.contextTokens));
  const maxNumBatchedTokens = Math.max(2048, nextPow2(longest + maxNumSeqs));
  if (!limiting.kneeFound)
    notes.push(
      `Even concurrency ${limiting.concurrency} met the target at ${limiting.contextTokens} tokens: max_num_seqs can likely go higher; extend the matrix to find the knee.`,
    );
  return { label: settings.label, settings, perContext, maxNumSeqs, maxNumBatchedTokens, score, notes };
}
