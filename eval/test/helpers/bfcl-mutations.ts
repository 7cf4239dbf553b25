// Builds model outputs for the checker agreement test from the installed BFCL data: one correct
// answer per entry (from its possible answers) and mutations aimed at every error type the
// official checker can report. Deterministic (seeded), so a disagreement is reproducible.
import type { BfclEntry } from '../../src/bfcl/bfcl-data.js';
import type { BfclCase, BfclRawResult } from '../../src/bfcl/evaluate-entry.js';
import { pyToJson, type PyValue } from '../../src/bfcl/py-value.js';
import { seededRandom } from '../../../loadtest/src/sim/hash.js';

export type AgreementCase = BfclCase & { id: string; underscoreToDot: boolean; mutation: string };

type Call = { name: string; params: Map<string, PyValue> };

/** The simulator's seeded PRNG (mulberry32), so eval cases are reproducible from a seed. */
export const rng = seededRandom;

const isOptionalMarker = (x: PyValue): boolean => x.t === 'str' && x.v === '';

/** The first concrete possible answer of every parameter (optional-only ones left out). */
export function correctCalls(entry: BfclEntry): Call[] {
  return (entry.groundTruth ?? []).map((gt) => {
    if (gt.t !== 'dict') throw new Error(`bad ground truth in ${entry.id}`);
    const [name, params] = [...gt.v][0]!;
    const out = new Map<string, PyValue>();
    if (params.t === 'dict') {
      for (const [k, answers] of params.v) {
        const first = answers.t === 'list' ? answers.v.find((a) => !isOptionalMarker(a)) : undefined;
        if (first !== undefined) out.set(k, first);
      }
    }
    return { name: name.replaceAll('.', '_'), params: out };
  });
}

const toResult = (calls: Call[]): BfclRawResult =>
  calls.map((c) => ({ name: c.name, arguments: pyToJson({ t: 'dict', v: c.params }) }));

const clone = (calls: Call[]): Call[] => calls.map((c) => ({ name: c.name, params: new Map(c.params) }));

function mutateValue(v: PyValue, pick: () => number): { value: PyValue; kind: string }[] {
  const out: { value: PyValue; kind: string }[] = [];
  switch (v.t) {
    case 'str':
      out.push({ value: { t: 'str', v: v.v + ' zq' }, kind: 'str-changed' });
      out.push({ value: { t: 'str', v: ` ${v.v.toUpperCase()}.` }, kind: 'str-normalised' });
      out.push({ value: { t: 'int', v: 7n }, kind: 'str-as-int' });
      break;
    case 'int':
      out.push({ value: { t: 'int', v: v.v + 1n }, kind: 'int-changed' });
      out.push({ value: { t: 'str', v: v.v.toString() }, kind: 'int-as-str' });
      out.push({ value: { t: 'float', v: Number(v.v) }, kind: 'int-as-float' });
      out.push({ value: { t: 'bool', v: true }, kind: 'int-as-bool' });
      break;
    case 'float':
      out.push({ value: { t: 'float', v: v.v + 0.5 }, kind: 'float-changed' });
      if (Number.isInteger(v.v)) out.push({ value: { t: 'int', v: BigInt(v.v) }, kind: 'float-as-int' });
      out.push({ value: { t: 'str', v: String(v.v) }, kind: 'float-as-str' });
      break;
    case 'bool':
      out.push({ value: { t: 'bool', v: !v.v }, kind: 'bool-flipped' });
      out.push({ value: { t: 'int', v: v.v ? 1n : 0n }, kind: 'bool-as-int' });
      break;
    case 'list':
      out.push({ value: { t: 'list', v: [...v.v].reverse() }, kind: 'list-reversed' });
      out.push({ value: { t: 'list', v: v.v.slice(1) }, kind: 'list-shorter' });
      if (v.v.length > 0)
        out.push({ value: { t: 'list', v: [...v.v.slice(1), { t: 'int', v: 3n }] }, kind: 'list-inner-type' });
      out.push({ value: { t: 'str', v: 'a,b' }, kind: 'list-as-str' });
      break;
    case 'dict': {
      const keys = [...v.v.keys()];
      if (keys.length > 0) {
        const k = keys[Math.floor(pick() * keys.length)]!;
        const dropped = new Map(v.v);
        dropped.delete(k);
        out.push({ value: { t: 'dict', v: dropped }, kind: 'dict-key-dropped' });
        const changed = new Map(v.v);
        changed.set(k, { t: 'str', v: 'zq-other' });
        out.push({ value: { t: 'dict', v: changed }, kind: 'dict-value-changed' });
      }
      const extra = new Map(v.v);
      extra.set('zq_extra', { t: 'int', v: 1n });
      out.push({ value: { t: 'dict', v: extra }, kind: 'dict-key-added' });
      break;
    }
    default:
      out.push({ value: { t: 'str', v: 'x' }, kind: 'none-as-str' });
  }
  return out;
}

/** Every case for one entry; `pick` chooses which parameter/call to disturb. */
export function casesForEntry(entry: BfclEntry, pick: () => number): AgreementCase[] {
  const base = {
    category: entry.category,
    functions: entry.functions,
    ...(entry.groundTruth ? { groundTruth: entry.groundTruth } : {}),
  };
  const out: AgreementCase[] = [];
  const add = (mutation: string, result: BfclRawResult, underscoreToDot = true): void => {
    out.push({ ...base, id: `${entry.id}#${mutation}#${out.length}`, result, underscoreToDot, mutation });
  };

  if (entry.category.includes('relevance')) {
    const doc = entry.functions[0];
    add('no-call-content', 'I cannot help with that.');
    add('no-call-empty', '');
    add('no-call-null', null);
    add('empty-list', []);
    if (doc) add('a-call', [{ name: doc.name.replaceAll('.', '_'), arguments: '{}' }]);
    if (doc) add('a-call-bad-json', [{ name: doc.name, arguments: '{"a": ' }]);
    if (doc) add('a-call-non-object', [{ name: doc.name, arguments: '[1, 2]' }]);
    return out;
  }

  const good = correctCalls(entry);
  add('correct', toResult(good));
  add('correct-no-dot-rewrite', toResult(good), false);
  add('content-instead', 'Sure! Here is the call.');
  add('empty-content', '');
  add('null-content', null);
  add('bad-json', [{ name: good[0]!.name, arguments: '{"x": 1,' }]);
  add('python-literals', [{ name: good[0]!.name, arguments: "{'x': True}" }]);
  add('args-not-object', [{ name: good[0]!.name, arguments: '"text"' }]);
  add('extra-call', toResult([...good, good[0]!]));
  add('no-calls', []);
  if (good.length > 1) {
    add('reversed-order', toResult([...good].reverse()));
    add('dropped-call', toResult(good.slice(1)));
  }

  const ci = Math.floor(pick() * good.length);
  const target = good[ci]!;
  const orig = entry.groundTruth?.[ci];
  const origName = orig?.t === 'dict' ? [...orig.v.keys()][0]! : target.name;
  const doc = entry.functions.find((f) => f.name === origName);

  const renamed = clone(good);
  renamed[ci]!.name = `${target.name}_v2`;
  add('wrong-name', toResult(renamed));
  if (origName.includes('.')) {
    const dotted = clone(good);
    dotted[ci]!.name = origName;
    add('dotted-name', toResult(dotted));
    add('dotted-name-no-rewrite', toResult(dotted), false);
  }
  const extra = clone(good);
  extra[ci]!.params.set('zq_unexpected', { t: 'int', v: 1n });
  add('unexpected-param', toResult(extra));

  const keys = [...target.params.keys()];
  const required = new Set(doc?.parameters.required ?? []);
  for (const k of keys) {
    const dropped = clone(good);
    dropped[ci]!.params.delete(k);
    add(required.has(k) ? 'drop-required' : 'drop-optional', toResult(dropped));
  }
  // Optional parameters the answer leaves out, filled with a plausible value.
  const props = doc?.parameters.properties ?? {};
  for (const [k, p] of Object.entries(props)) {
    if (target.params.has(k)) continue;
    const filler: PyValue =
      p.type === 'integer'
        ? { t: 'int', v: 1n }
        : p.type === 'boolean'
          ? { t: 'bool', v: false }
          : { t: 'str', v: 'x' };
    const filled = clone(good);
    filled[ci]!.params.set(k, filler);
    add('fill-optional', toResult(filled));
    break;
  }
  for (const k of keys) {
    for (const m of mutateValue(target.params.get(k)!, pick)) {
      const mutated = clone(good);
      mutated[ci]!.params.set(k, m.value);
      add(`value:${m.kind}`, toResult(mutated));
    }
  }
  if (good.length > 1) {
    const swapped = clone(good);
    const other = (ci + 1) % good.length;
    [swapped[ci]!.params, swapped[other]!.params] = [swapped[other]!.params, swapped[ci]!.params];
    add('swapped-args', toResult(swapped));
  }
  return out;
}
