// The matching terms both reward versions share (docs/reward-spec.md §2): argument-key Jaccard,
// exact value matches, greedy call matching and schema validity of predicted calls.
import { isPlainObject } from './json-text.js';
import { jsonEqual, type StrictCall } from './strict-parse.js';
import type { ToolDef } from './types.js';
import { defaultValidatorCache } from './validator-cache.js';

/** Rounded to 6 decimals, half up, without −0 (the spec's reporting rule). */
export const round6 = (x: number): number => {
  const r = Math.floor(x * 1e6 + 0.5) / 1e6;
  return Object.is(r, -0) ? 0 : r;
};

export function keyJaccard(g: Record<string, unknown>, p: Record<string, unknown>): number {
  const gk = new Set(Object.keys(g));
  const pk = new Set(Object.keys(p));
  if (gk.size === 0 && pk.size === 0) return 1;
  let inter = 0;
  for (const k of gk) if (pk.has(k)) inter++;
  return inter / (gk.size + pk.size - inter);
}

export function valueMatches(g: Record<string, unknown>, p: Record<string, unknown>): number {
  let n = 0;
  for (const [k, v] of Object.entries(g)) if (Object.prototype.hasOwnProperty.call(p, k) && jsonEqual(v, p[k])) n++;
  return n;
}

/** Greedy matching in reference order; ties go to the lowest predicted index. Returns [g, p] pairs. */
export function matchCalls(p: StrictCall[], g: StrictCall[]): [number, number][] {
  const used = new Set<number>();
  const pairs: [number, number][] = [];
  g.forEach((gc, gi) => {
    let best = -1;
    let bestScore = -Infinity;
    p.forEach((pc, pi) => {
      if (used.has(pi) || pc.name !== gc.name) return;
      const score = keyJaccard(gc.arguments, pc.arguments) + valueMatches(gc.arguments, pc.arguments);
      if (score > bestScore) {
        best = pi;
        bestScore = score;
      }
    });
    if (best >= 0) {
      used.add(best);
      pairs.push([gi, best]);
    }
  });
  return pairs;
}

/** Draft-07 validity of every predicted call against the request's tools (the first tool of a name wins). */
export function schemaValid(tools: ToolDef[], calls: StrictCall[]): boolean {
  for (const c of calls) {
    const tool = tools.find((t) => isPlainObject(t) && isPlainObject(t.function) && t.function.name === c.name);
    if (!tool) return false;
    const params = tool.function.parameters;
    if (params === undefined || params === null) {
      if (Object.keys(c.arguments).length > 0) return false;
      continue;
    }
    try {
      if (!defaultValidatorCache.get(params).validate(c.arguments)) return false;
    } catch {
      return false; // an uncompilable schema accepts nothing
    }
  }
  return true;
}

/** Σ over matched pairs of key Jaccard and of value matches. */
export function matchedTerms(
  p: StrictCall[],
  g: StrictCall[],
  pairs: [number, number][],
): { rParam: number; rValue: number } {
  let rParam = 0;
  let rValue = 0;
  for (const [gi, pi] of pairs) {
    rParam += keyJaccard(g[gi]!.arguments, p[pi]!.arguments);
    rValue += valueMatches(g[gi]!.arguments, p[pi]!.arguments);
  }
  return { rParam, rValue };
}

/** 1 + |keys(arguments)|: what a call is worth in S_max. */
export const callWeight = (c: StrictCall): number => 1 + Object.keys(c.arguments).length;

/** Indices of predicted calls no reference call was matched to. */
export function unmatchedPredictions(p: StrictCall[], pairs: [number, number][]): number[] {
  const used = new Set(pairs.map(([, pi]) => pi));
  return p.map((_, i) => i).filter((i) => !used.has(i));
}
