// Run-level metrics from per-item scores. Every rate is k/n over *answered* items of the kind
// it is defined on (coverage reports how many were answered), so a partial run's figures are
// figures about what it did answer, never diluted by what it never asked.
import type { ItemScore } from './item-score.js';

export interface Rate {
  k: number;
  n: number;
  /** k/n, or null when n = 0 (nothing to measure). */
  value: number | null;
}

export interface MetricSet {
  items: number;
  answered: number;
  coverage: Rate;
  parseRate: Rate;
  schemaHitRate: Rate;
  nameAccuracy: Rate;
  argPrecision: Rate;
  argRecall: Rate;
  argF1: number | null;
  executableRate: Rate;
  semanticMatch: Rate;
  noCallAccuracy: Rate;
  bfclAccuracy: Rate;
}

export interface RunMetrics {
  overall: MetricSet;
  byCategory: Record<string, MetricSet>;
  /** BFCL error type → count (answered BFCL items that failed). */
  bfclErrors: Record<string, number>;
  /** Engine repair kind → number of answers it was applied to. */
  repairs: Record<string, number>;
  outcomes: Record<string, number>;
  status: Record<string, number>;
  latencyMs: { p50: number | null; p95: number | null; mean: number | null };
  /** BFCL multi-turn / memory conversations that were answered: totals over their steps. */
  conversations: ConversationTotals | null;
}

export interface ConversationTotals {
  items: number;
  turns: number;
  /** Model requests. */
  steps: number;
  /** Calls decoded from the answers and executed on BFCL's backends. */
  toolCalls: number;
  /** Of those, results that are Python errors ("Error during execution: …"), refusals included. */
  executionErrors: number;
  /** Calls the sidecar refused to evaluate (not plain API calls with literal arguments). */
  refusedCalls: number;
  /** Conversations stopped by BFCL's step limit. */
  forceQuits: number;
}

export const rate = (k: number, n: number): Rate => ({ k, n, value: n === 0 ? null : k / n });

/** The metric keys a comparison report plots, with their labels. */
export const METRIC_LABELS: [keyof MetricSet, string][] = [
  ['parseRate', 'parse rate'],
  ['schemaHitRate', 'schema hit'],
  ['nameAccuracy', 'name accuracy'],
  ['argPrecision', 'arg precision'],
  ['argRecall', 'arg recall'],
  ['argF1', 'arg F1'],
  ['executableRate', 'executable'],
  ['semanticMatch', 'semantic match'],
  ['noCallAccuracy', 'no-call accuracy'],
  ['bfclAccuracy', 'BFCL accuracy'],
];

export function metricValue(m: MetricSet, key: keyof MetricSet): number | null {
  const v = m[key];
  if (v === null || typeof v === 'number') return v;
  return v.value;
}

export function metricSet(scores: ItemScore[]): MetricSet {
  const answered = scores.filter((s) => s.status === 'ok');
  // The per-answer metrics are defined on single requests; conversations count in coverage and BFCL accuracy.
  const single = answered.filter((s) => s.scope === 'answer');
  const calls = single.filter((s) => s.callItem);
  const noCalls = single.filter((s) => !s.callItem);
  // BFCL scores every settled item: a request the endpoint rejected is an inference error there.
  const bfcl = scores.filter((s) => s.bfcl !== null);
  const sum = (f: (s: ItemScore) => number): number => single.reduce((n, s) => n + f(s), 0);
  const count = (xs: ItemScore[], f: (s: ItemScore) => boolean): number => xs.filter(f).length;
  const precision = rate(
    sum((s) => s.args.correct),
    sum((s) => s.args.predicted),
  );
  const recall = rate(
    sum((s) => s.args.found),
    sum((s) => s.args.expected),
  );
  const f1 =
    precision.value === null || recall.value === null
      ? null
      : precision.value + recall.value === 0
        ? 0
        : (2 * precision.value * recall.value) / (precision.value + recall.value);
  return {
    items: scores.length,
    answered: answered.length,
    coverage: rate(answered.length, scores.length),
    parseRate: rate(
      count(calls, (s) => s.parsed),
      calls.length,
    ),
    schemaHitRate: rate(
      count(calls, (s) => s.schemaHit),
      calls.length,
    ),
    nameAccuracy: rate(
      count(calls, (s) => s.nameMatch),
      calls.length,
    ),
    argPrecision: precision,
    argRecall: recall,
    argF1: f1,
    executableRate: rate(
      count(calls, (s) => s.executable),
      calls.length,
    ),
    semanticMatch: rate(
      count(single, (s) => s.semantic),
      single.length,
    ),
    noCallAccuracy: rate(
      count(noCalls, (s) => s.noCall),
      noCalls.length,
    ),
    bfclAccuracy: rate(
      count(bfcl, (s) => s.bfcl!.valid),
      bfcl.length,
    ),
  };
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const tally = (xs: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

export function aggregate(scores: ItemScore[]): RunMetrics {
  const byCategory: Record<string, MetricSet> = {};
  for (const c of [...new Set(scores.map((s) => s.category))].sort())
    byCategory[c] = metricSet(scores.filter((s) => s.category === c));
  const answered = scores.filter((s) => s.status === 'ok');
  const convs = answered.flatMap((s) => (s.conversation ? [s.conversation] : []));
  const total = (f: (c: NonNullable<ItemScore['conversation']>) => number): number =>
    convs.reduce((n, c) => n + f(c), 0);
  const lat = answered
    .map((s) => s.latencyMs)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  return {
    overall: metricSet(scores),
    byCategory,
    bfclErrors: tally(answered.filter((s) => s.bfcl && !s.bfcl.valid).map((s) => s.bfcl!.errorType ?? 'unknown')),
    repairs: tally(answered.flatMap((s) => s.repairs)),
    outcomes: tally(answered.map((s) => s.outcome ?? 'none')),
    status: tally(scores.map((s) => s.status)),
    latencyMs: {
      p50: percentile(lat, 50),
      p95: percentile(lat, 95),
      mean: lat.length ? Math.round((lat.reduce((a, b) => a + b, 0) / lat.length) * 10) / 10 : null,
    },
    conversations: convs.length
      ? {
          items: convs.length,
          turns: total((c) => c.turns),
          steps: total((c) => c.steps),
          toolCalls: total((c) => c.toolCalls),
          executionErrors: total((c) => c.executionErrors),
          refusedCalls: total((c) => c.refusedCalls),
          forceQuits: total((c) => (c.forceQuit ? 1 : 0)),
        }
      : null,
  };
}
