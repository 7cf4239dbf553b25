// Recorded model outputs for the multi-turn / memory agreement test, written by hand from BFCL's
// own answers: the correct conversation, and mutations aimed at every error type the official
// runner reports (inference error, force-terminated, empty turn, state mismatch, response
// mismatch; for memory: inference error, no last message, answer not found) plus the decoding
// paths (content-only steps, empty call lists, bad JSON, non-object arguments, Python repr of odd
// values, unknown and dotted function names, calls in turns that expect none).
import type { BfclRawResult } from '../../src/bfcl/evaluate-entry.js';
import type { MultiTurnResult } from '../../src/bfcl/multi-turn-checker.js';

export interface MultiTurnCase {
  id: string;
  category: string;
  entryId: string;
  mutation: string;
  result: MultiTurnResult;
}

type Call = { name: string; arguments: Record<string, unknown> };
type Steps = BfclRawResult[];

const asStep = (calls: Call[]): BfclRawResult =>
  calls.map((c) => ({ name: c.name, arguments: JSON.stringify(c.arguments) }));
const DONE = 'Done.';
const CANNOT = 'I cannot do that: a required function or parameter is missing.';

/** Argument JSON whose Python repr is easy to get wrong: quotes, escapes, unicode, float forms, nesting. */
const ODD_VALUES_JSON =
  '"quote": "it\'s \\"quoted\\"", "apostrophe": "O\'Brien", "ctrl": "tab\\tnew\\nline\\r\\u0001\\u007f", ' +
  '"unicode": "Zo\u00eb \u2014 \u6771\u4eac \ud83d\ude80 \u00a0nbsp \u200b", "lone": "\\ud800", "backslash": "C:\\\\path\\\\n", ' +
  '"small": 1e-05, "tiny": 1.5e-7, "big": 1e16, "bigger": 2.5E+20, "mid": 123456789012345.6, "whole": 3.0, "negzero": -0.0, ' +
  '"neg": -0.5, "huge_int": 123456789012345678901234567890, "nested": {"a": [1, 2.5, null, true], "b c": {"d": "e"}}, "empty": [], "dup": 1, "dup": 2';

const withOddValues = (c: Call): BfclRawResult => {
  const base = JSON.stringify(c.arguments);
  return [{ name: c.name, arguments: `${base === '{}' ? '{' : `${base.slice(0, -1)}, `}${ODD_VALUES_JSON}}` }];
};

/** Every case for one multi-turn entry; `truth` is its ground truth as tool calls per turn. */
export function multiTurnCases(category: string, entryId: string, truth: Call[][]): MultiTurnCase[] {
  const out: MultiTurnCase[] = [];
  const add = (mutation: string, result: MultiTurnResult): void => {
    out.push({ id: `${entryId}#${mutation}#${out.length}`, category, entryId, mutation, result });
  };
  const correctTurn = (calls: Call[]): Steps => (calls.length ? [asStep(calls), DONE] : [CANNOT]);
  const correct = truth.map(correctTurn);
  const withTurn = (t: number, steps: Steps): Steps[] => correct.map((s, i) => (i === t ? steps : s));
  const callTurns = truth.flatMap((calls, t) => (calls.length ? [t] : []));
  const first = callTurns[0]!;

  add('correct', correct);
  add('inference-error', 'Error during inference: Error code: 400 - maximum context length exceeded');
  add('force-terminated', correct.slice(0, -1));
  add('extra-turn', [...correct, [DONE]]);
  add(
    'split-steps',
    truth.map((calls) => (calls.length ? [...calls.map((c) => asStep([c])), DONE] : [CANNOT])),
  );
  add('empty-turn-text', withTurn(first, ['Sure, done.']));
  add('empty-turn-empty-list', withTurn(first, [[]]));
  add('empty-turn-null', withTurn(first, [null]));
  add('empty-turn-bad-json', withTurn(first, [[{ name: truth[first]![0]!.name, arguments: '{"a": ' }]]));
  add(
    'args-not-object',
    withTurn(first, [[{ name: truth[first]![0]!.name, arguments: '[1, 2]' }], asStep(truth[first]!), DONE]),
  );
  add('args-null', withTurn(first, [[{ name: truth[first]![0]!.name, arguments: null }], asStep(truth[first]!), DONE]));
  for (const t of callTurns.slice(0, 2)) {
    truth[t]!.slice(0, 3).forEach((_, j) =>
      add(`drop-call-${t}-${j}`, withTurn(t, correctTurn(truth[t]!.filter((__, k) => k !== j)))),
    );
    const changed = truth[t]!.map((c, j) => {
      if (j !== 0) return c;
      const [k, v] = Object.entries(c.arguments)[0] ?? [];
      if (k === undefined) return c;
      return {
        name: c.name,
        arguments: { ...c.arguments, [k]: typeof v === 'string' ? `${v} x` : typeof v === 'number' ? v + 1 : 'zq' },
      };
    });
    add(`changed-argument-${t}`, withTurn(t, correctTurn(changed)));
    add(`reversed-${t}`, withTurn(t, correctTurn([...truth[t]!].reverse())));
    if (t > 0) add(`repeat-previous-${t}`, withTurn(t, correctTurn([...truth[t - 1]!, ...truth[t]!])));
  }
  add(
    'unknown-function',
    withTurn(first, [asStep([{ name: 'no_such_function', arguments: {} }, ...truth[first]!]), DONE]),
  );
  // A near-miss name with a dot (as small models write them): BFCL's executor raises NameError.
  add(
    'dotted-name',
    withTurn(first, [
      asStep([{ name: `api.${truth[first]![0]!.name}`, arguments: truth[first]![0]!.arguments }, ...truth[first]!]),
      DONE,
    ]),
  );
  add('odd-values', withTurn(first, [withOddValues(truth[first]![0]!), asStep(truth[first]!), DONE]));
  const noCallTurn = truth.findIndex((calls) => calls.length === 0);
  if (noCallTurn >= 0 && truth[noCallTurn + 1]?.length) {
    // Calling in a turn that expects none (the function or a parameter is missing there).
    add('calls-in-no-call-turn', withTurn(noCallTurn, correctTurn(truth[noCallTurn + 1]!)));
  }
  const last = truth.length - 1;
  if (truth[last]!.length) {
    // 21 steps that each repeat a call: the step limit ends the last turn, all turns are there.
    add(
      'step-limit-last-turn',
      withTurn(last, [...Array.from({ length: 21 }, () => asStep([truth[last]![0]!])), asStep(truth[last]!)]),
    );
  }
  return out;
}

/** Every case for one memory entry; `answers` are BFCL's accepted answers. */
export function memoryCases(category: string, entryId: string, answers: string[]): MultiTurnCase[] {
  const out: MultiTurnCase[] = [];
  const add = (mutation: string, result: MultiTurnResult): void => {
    out.push({ id: `${entryId}#${mutation}#${out.length}`, category, entryId, mutation, result });
  };
  const a = answers[0]!;
  const lookup: BfclRawResult = [{ name: 'core_memory_retrieve_all', arguments: '{}' }];
  add('correct', [[lookup, `{'answer': '${a}', 'context': 'from memory'}`]]);
  add('correct-shouted', [[`THE ANSWER IS ${a.toUpperCase()}.`]]);
  add('in-parentheses', [[`(${a})`]]);
  add('glued-suffix', [[`${a}s`]]);
  add('wrong', [[lookup, "{'answer': 'I do not know', 'context': 'I do not know'}"]]);
  add('only-calls', [[lookup]]);
  add('empty-content-last', [[lookup, '']]);
  add('empty-list-last', [[a, []]]);
  add('null-last', [[a, null]]);
  add('bad-json-call-last', [[[{ name: 'core_memory_add', arguments: `{"value": "${a}"` }]]]);
  add('earlier-answer-then-call', [[a, lookup]]);
  add('two-turns', [[a], [a]]);
  add('no-turns', []);
  add('inference-error', 'Error during inference: Error code: 400');
  return out;
}
