// Tool-call reward, version 2 of docs/reward-spec.md (ToolRL-style turn-aware format + multiset
// correctness in [-c, c] + schema validity, with ToolRL's optional schedule and length terms).
// Held to eval/fixtures/reward-vectors-v2.jsonl together with the Python GRPO reward in training/.
// `version: 1` selects the superseded version 1 (reward-v1.ts).
import { callWeight, matchCalls, matchedTerms, round6, schemaValid, unmatchedPredictions } from './reward-terms.js';
import { scoreRewardV1 } from './reward-v1.js';
import { isBlank, readOutput, type StrictCall } from './strict-parse.js';
import type { ToolDef } from './types.js';

export { keyJaccard, matchCalls, schemaValid, valueMatches } from './reward-terms.js';

export interface RewardInput {
  tools: ToolDef[];
  raw: string;
  reference: StrictCall[];
}

export interface RewardOptions {
  /** 2 (default) or the superseded 1, which takes no other option. */
  version?: 1 | 2;
  /** ToolRL's dynamic scaling: format pays 2 − t, correctness spans ±(2 + t), t = min(1, step/steps). */
  schedule?: { step: number; steps: number };
  /** ToolRL's length term: min(1, words of the reasoning / target). */
  length?: { target: number };
}

export interface RewardBreakdown {
  version: 1 | 2;
  /** 0 or the format pay (1 without a schedule). */
  format: number;
  correctness: number;
  schema: 0 | 1;
  /** Present only with the `length` option. */
  length?: number;
  total: number;
  /** The terms behind correctness (null when the read failed). */
  detail: {
    rName: number;
    rParam: number;
    rValue: number;
    s: number;
    sMax: number;
    matched: [number, number][];
    unmatchedPredicted: number[];
    /** v2: non-whitespace text outside the calls (reasoning excluded). */
    textOutsideCalls?: boolean;
  } | null;
}

/** Jaccard of the multisets of names (ToolRL's match_score); 1 when both are empty. */
export function nameMultisetJaccard(p: StrictCall[], g: StrictCall[]): number {
  if (p.length === 0 && g.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const c of g) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  let inter = 0;
  for (const c of p) {
    const left = counts.get(c.name) ?? 0;
    if (left > 0) {
      inter++;
      counts.set(c.name, left - 1);
    }
  }
  return inter / (p.length + g.length - inter);
}

const wordCount = (text: string): number => text.match(/[^ \t\n\r]+/g)?.length ?? 0;

function scales(opts: RewardOptions): { formatPay: number; bound: number } {
  if (!opts.schedule) return { formatPay: 1, bound: 3 };
  const t = Math.min(1, Math.max(0, opts.schedule.step) / opts.schedule.steps);
  return { formatPay: 2 - t, bound: 2 + t };
}

export function scoreReward(input: RewardInput, opts: RewardOptions = {}): RewardBreakdown {
  if (opts.version === 1) return scoreRewardV1(input);
  const { formatPay, bound } = scales(opts);
  const read = readOutput(input.raw);
  // Totals are summed from unrounded terms and rounded once.
  const finish = (b: Omit<RewardBreakdown, 'version' | 'total' | 'length'>, length: number): RewardBreakdown => {
    const total = b.format + b.correctness + b.schema + (opts.length ? length : 0);
    const out: RewardBreakdown = {
      version: 2,
      ...b,
      format: round6(b.format),
      correctness: round6(b.correctness),
      total: round6(total),
    };
    if (opts.length) out.length = round6(length);
    return out;
  };
  if (!read.ok) return finish({ format: 0, correctness: -bound, schema: 0, detail: null }, 0);
  const P = read.calls;
  const G = input.reference;
  const strayThink = read.outside.includes('<think>') || read.outside.includes('</think>');
  const formatOk =
    G.length > 0 ? P.length > 0 && isBlank(read.outside) : P.length === 0 && !isBlank(read.outside) && !strayThink;
  const rName = nameMultisetJaccard(P, G);
  const matched = matchCalls(P, G);
  const unmatched = unmatchedPredictions(P, matched);
  const { rParam, rValue } = matchedTerms(P, G, matched);
  const s = rName + rParam + rValue;
  const sMax =
    1 + G.reduce((acc, g) => acc + callWeight(g), 0) + unmatched.reduce((acc, i) => acc + callWeight(P[i]!), 0);
  const schema: 0 | 1 = (P.length === 0) === (G.length === 0) && schemaValid(input.tools, P) ? 1 : 0;
  const length =
    opts.length && read.reasoning !== null ? Math.min(1, wordCount(read.reasoning) / opts.length.target) : 0;
  return finish(
    {
      format: formatOk ? formatPay : 0,
      correctness: (2 * bound * s) / sMax - bound,
      schema,
      detail: {
        rName: round6(rName),
        rParam: round6(rParam),
        rValue: round6(rValue),
        s: round6(s),
        sMax,
        matched,
        unmatchedPredicted: unmatched,
        textOutsideCalls: !isBlank(read.outside),
      },
    },
    length,
  );
}
