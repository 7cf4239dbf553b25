// Tool-call reward version 1 (docs/reward-spec-v1.md), kept selectable (`version: 1`) so earlier
// runs can be re-scored; held to eval/fixtures/reward-vectors-v1.jsonl. Version 2 (reward.ts)
// is the default.
import { callWeight, matchCalls, matchedTerms, round6, schemaValid, unmatchedPredictions } from './reward-terms.js';
import { strictParse, type StrictCall } from './strict-parse.js';
import type { RewardBreakdown, RewardInput } from './reward.js';

/** Jaccard of the *sets* of names (v1; v2 counts a multiset). */
function nameSetJaccard(p: StrictCall[], g: StrictCall[]): number {
  const pn = new Set(p.map((c) => c.name));
  const gn = new Set(g.map((c) => c.name));
  if (pn.size === 0 && gn.size === 0) return 1;
  let inter = 0;
  for (const n of gn) if (pn.has(n)) inter++;
  return inter / (pn.size + gn.size - inter);
}

export function scoreRewardV1(input: RewardInput): RewardBreakdown {
  const parsed = strictParse(input.raw);
  if (!parsed.ok) return { version: 1, format: 0, correctness: -3, schema: 0, total: -3, detail: null };
  const P = parsed.calls;
  const G = input.reference;
  const rName = nameSetJaccard(P, G);
  const matched = matchCalls(P, G);
  const { rParam, rValue } = matchedTerms(P, G, matched);
  const s = rName + rParam + rValue;
  const sMax = 1 + G.reduce((acc, g) => acc + callWeight(g), 0);
  const schema: 0 | 1 = P.length === 0 ? (G.length === 0 ? 1 : 0) : schemaValid(input.tools, P) ? 1 : 0;
  const correctness = (6 * s) / sMax - 3;
  return {
    version: 1,
    format: 1,
    correctness: round6(correctness),
    schema,
    total: round6(1 + correctness + schema),
    detail: {
      rName: round6(rName),
      rParam: round6(rParam),
      rValue: round6(rValue),
      s: round6(s),
      sMax,
      matched,
      unmatchedPredicted: unmatchedPredictions(P, matched),
    },
  };
}
