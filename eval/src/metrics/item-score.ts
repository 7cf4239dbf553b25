// Scores one answered item. Definitions (also in docs/eval.md):
//   call item       an item whose expected answer has ≥ 1 call; no-call item: expected = []
//   parsed          (call items) the engine extracted ≥ 1 call and every call is readable and
//                   names a declared tool (no call-level error)
//   schemaHit       (call items) parsed, and every call's arguments validate after the
//                   engine's repairs (outcome valid or repaired)
//   nameMatch       (call items) multiset of called names == multiset of expected names
//   args            argument-level counts for precision/recall (see argumentCounts)
//   executable      (call items) the calls exactly as the endpoint returned them in
//                   `tool_calls` (strict JSON, no repair) all run on schema-validating stubs
//   semantic        predicted calls == expected calls as a multiset, names exact, values equal
//                   under BFCL normalisation; optional arguments may be omitted
//   noCall          (no-call items) the engine found no call in the answer
//   bfcl            BFCL's own verdict (BFCL items only), via the AST checker
import { evaluateBfclCase, fcResult, type BfclCase, type BfclVerdict } from '../bfcl/evaluate-entry.js';
import type { EvalItem, ExpectedCall } from '../dataset.js';
import type { RawRecord } from '../run/raw-store.js';
import { checkToolCalls, compileTools, type CheckedCall, type CompiledTools } from './engine.js';
import { buildStubs } from './stubs.js';
import { matchesAny } from './value-match.js';

export interface ArgCounts {
  /** Predicted arguments (of all predicted calls). */
  predicted: number;
  /** Predicted arguments whose key is expected on the matched call and whose value matches. */
  correct: number;
  /** Expected non-optional arguments. */
  expected: number;
  /** Expected non-optional arguments found with a matching value. */
  found: number;
}

export interface ItemScore {
  id: string;
  category: string;
  /** answer: one request, all metrics apply; conversation: a BFCL multi-turn/memory item (coverage + BFCL verdict). */
  scope: 'answer' | 'conversation';
  status: RawRecord['status'] | 'missing';
  callItem: boolean;
  outcome: string | null;
  parsed: boolean;
  schemaHit: boolean;
  nameMatch: boolean;
  executable: boolean;
  semantic: boolean;
  noCall: boolean;
  args: ArgCounts;
  repairs: string[];
  bfcl: BfclVerdict | null;
  latencyMs: number | null;
  predicted: { name: string; arguments: Record<string, unknown> }[];
  conversation?: ConversationStats;
}

export interface ConversationStats {
  turns: number;
  steps: number;
  toolCalls: number;
  executionErrors: number;
  refusedCalls: number;
  forceQuit: boolean;
  /** Sum of the requests' latencies. */
  latencyMs: number;
}

const ZERO: ArgCounts = { predicted: 0, correct: 0, expected: 0, found: 0 };

function expectedArgCount(expected: ExpectedCall[]): number {
  return expected.reduce((n, c) => n + Object.values(c.arguments).filter((a) => !a.optional).length, 0);
}

function callFits(p: { name: string; arguments: Record<string, unknown> }, e: ExpectedCall): number {
  if (p.name !== e.name) return -1;
  let score = 0;
  for (const [k, spec] of Object.entries(e.arguments))
    if (Object.hasOwn(p.arguments, k) && matchesAny(p.arguments[k], spec.answers)) score++;
  return score;
}

/** Pairs expected with predicted calls: same name, most matching arguments, ties to the earliest. */
export function matchCalls(
  predicted: { name: string; arguments: Record<string, unknown> }[],
  expected: ExpectedCall[],
): (number | null)[] {
  const used = new Set<number>();
  return expected.map((e) => {
    let best: number | null = null;
    let bestScore = -1;
    predicted.forEach((p, i) => {
      if (used.has(i)) return;
      const s = callFits(p, e);
      if (s > bestScore) [best, bestScore] = [i, s];
    });
    if (best !== null) used.add(best);
    return best;
  });
}

export function argumentCounts(
  predicted: { name: string; arguments: Record<string, unknown> }[],
  expected: ExpectedCall[],
): ArgCounts {
  const pairs = matchCalls(predicted, expected);
  const counts: ArgCounts = { predicted: 0, correct: 0, expected: expectedArgCount(expected), found: 0 };
  for (const p of predicted) counts.predicted += Object.keys(p.arguments).length;
  pairs.forEach((pi, ei) => {
    if (pi === null) return;
    const p = predicted[pi]!;
    for (const [k, spec] of Object.entries(expected[ei]!.arguments)) {
      if (!Object.hasOwn(p.arguments, k) || !matchesAny(p.arguments[k], spec.answers)) continue;
      counts.correct++;
      if (!spec.optional) counts.found++;
    }
  });
  return counts;
}

function semanticMatch(
  predicted: { name: string; arguments: Record<string, unknown> }[],
  expected: ExpectedCall[],
): boolean {
  if (predicted.length !== expected.length) return false;
  const pairs = matchCalls(predicted, expected);
  return pairs.every((pi, ei) => {
    if (pi === null) return false;
    const p = predicted[pi]!;
    const e = expected[ei]!;
    for (const k of Object.keys(p.arguments)) if (!Object.hasOwn(e.arguments, k)) return false;
    return Object.entries(e.arguments).every(([k, spec]) =>
      Object.hasOwn(p.arguments, k) ? matchesAny(p.arguments[k], spec.answers) : spec.optional,
    );
  });
}

const multiset = (names: string[]): string => [...names].sort().join('\u0000');

function strictlyExecutable(compiled: CompiledTools, record: RawRecord): boolean {
  const calls = record.message?.tool_calls ?? [];
  if (calls.length === 0) return false;
  const stubs = buildStubs(compiled);
  return calls.every((c) => {
    const stub = stubs.get(c.function?.name ?? '');
    if (!stub || typeof c.function.arguments !== 'string') return false;
    let args: unknown;
    try {
      args = JSON.parse(c.function.arguments);
    } catch {
      return false;
    }
    return stub(args).ok;
  });
}

/** An item's score before anything is judged: what a missing or failed answer gets. */
export function emptyScore(item: EvalItem, record: RawRecord | undefined, scope: ItemScore['scope']): ItemScore {
  const callItem = item.expected.length > 0;
  return {
    id: item.id,
    category: item.category,
    scope,
    status: record?.status ?? 'missing',
    callItem,
    outcome: null,
    parsed: false,
    schemaHit: false,
    nameMatch: false,
    executable: false,
    semantic: false,
    noCall: false,
    args: { ...ZERO, expected: expectedArgCount(item.expected) },
    repairs: [],
    bfcl: null,
    latencyMs: scope === 'answer' ? (record?.latency_ms ?? null) : null,
    predicted: [],
  };
}

export function scoreItem(item: EvalItem, record: RawRecord | undefined): ItemScore {
  const callItem = item.expected.length > 0;
  const base = emptyScore(item, record, 'answer');
  if (record?.status === 'rejected' && item.bfcl) {
    // BFCL records a failed request as the text "Error during inference: …" and scores that text.
    base.bfcl = evaluateBfclCase({
      ...bfclCase(item),
      result: `Error during inference: ${record.error?.message ?? ''}`,
    });
  }
  if (!record || record.status !== 'ok' || !record.message) return base;

  let report: ReturnType<typeof checkToolCalls>;
  let compiled: CompiledTools;
  try {
    compiled = compileTools(item.tools);
    report = checkToolCalls(compiled, record.message);
  } catch (err) {
    // The engine refuses the request's own tools (e.g. an invalid schema): nothing can be judged.
    return { ...base, outcome: `engine_error: ${(err as Error).message}` };
  }
  const readable = (c: CheckedCall): boolean => c.errors.every((e) => e.pointer !== '') && c.name !== '';
  const predicted = report.calls.filter(readable).map((c) => ({ name: c.name, arguments: c.arguments }));
  const parsed = report.calls.length > 0 && report.calls.every(readable);
  const score: ItemScore = {
    ...base,
    outcome: report.outcome,
    parsed: callItem && parsed,
    schemaHit: callItem && parsed && report.calls.every((c) => c.valid),
    nameMatch: callItem && multiset(report.calls.map((c) => c.name)) === multiset(item.expected.map((e) => e.name)),
    executable: callItem && strictlyExecutable(compiled, record),
    semantic: semanticMatch(predicted, item.expected),
    noCall: !callItem && report.calls.length === 0,
    args: argumentCounts(predicted, item.expected),
    repairs: [...report.repairs],
    predicted,
  };
  if (item.bfcl) {
    score.bfcl = evaluateBfclCase({ ...bfclCase(item), result: fcResult(record.message) });
  }
  return score;
}

function bfclCase(item: EvalItem): Omit<BfclCase, 'result'> {
  const b = item.bfcl!;
  return { category: b.category, functions: b.functions, ...(b.groundTruth ? { groundTruth: b.groundTruth } : {}) };
}
