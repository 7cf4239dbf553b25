// Tool-call reward v1, implemented to the letter of docs/reward-spec.md (ToolRL-style format +
// correctness in [-3, 3] + schema validity). Held to eval/fixtures/reward-vectors.jsonl together
// with the Python GRPO reward in training/.
import { isPlainObject } from './json-text.js';
import { jsonEqual, strictParse, type StrictCall } from './strict-parse.js';
import type { ToolDef } from './types.js';
import { defaultValidatorCache } from './validator-cache.js';

export interface RewardInput {
  tools: ToolDef[];
  raw: string;
  reference: StrictCall[];
}

export interface RewardBreakdown {
  format: 0 | 1;
  correctness: number;
  schema: 0 | 1;
  total: number;
  /** The terms behind correctness (null when the format failed). */
  detail: { rName: number; rParam: number; rValue: number; s: number; sMax: number; matched: [number, number][] } | null;
}

const round6 = (x: number): number => {
  const r = Math.round(x * 1e6) / 1e6;
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

function nameJaccard(p: StrictCall[], g: StrictCall[]): number {
  const pn = new Set(p.map((c) => c.name));
  const gn = new Set(g.map((c) => c.name));
  if (pn.size === 0 && gn.size === 0) return 1;
  let inter = 0;
  for (const n of gn) if (pn.has(n)) inter++;
  return inter / (pn.size + gn.size - inter);
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

/** Draft-07 validity of every predicted call against the request's tools. */
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

export function scoreReward(input: RewardInput): RewardBreakdown {
  const parsed = strictParse(input.raw);
  if (!parsed.ok) return { format: 0, correctness: -3, schema: 0, total: -3, detail: null };
  const P = parsed.calls;
  const G = input.reference;
  const rName = nameJaccard(P, G);
  const matched = matchCalls(P, G);
  let rParam = 0;
  let rValue = 0;
  for (const [gi, pi] of matched) {
    rParam += keyJaccard(G[gi]!.arguments, P[pi]!.arguments);
    rValue += valueMatches(G[gi]!.arguments, P[pi]!.arguments);
  }
  const s = rName + rParam + rValue;
  const sMax = 1 + G.length + G.reduce((acc, g) => acc + Object.keys(g.arguments).length, 0);
  const correctness = round6((6 * s) / sMax - 3);
  const schema: 0 | 1 = P.length === 0 ? (G.length === 0 ? 1 : 0) : schemaValid(input.tools, P) ? 1 : 0;
  return {
    format: 1,
    correctness,
    schema,
    total: round6(1 + (6 * s) / sMax - 3 + schema),
    detail: { rName: round6(rName), rParam: round6(rParam), rValue: round6(rValue), s: round6(s), sMax, matched },
  };
}
