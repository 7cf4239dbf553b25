// parsePyJson must read JSON exactly as Python's json.loads does (the BFCL checker's input):
// checked against the real json.loads in .venv, type tags and all.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePyJson, pyEq, type PyValue } from '../src/bfcl/py-value.js';

const PY = join(resolve(import.meta.dirname, '../..'), '.venv/bin/python');

const TEXTS = [
  '5',
  '5.0',
  '-0',
  '-0.0',
  '1e3',
  '1E-2',
  '12345678901234567890123',
  '0.1',
  '[1, 2.5, "x", true, null]',
  '{"a": 1, "b": {"c": [1.0]}}',
  '{"a": 1, "a": 2}',
  '{"b": 1, "a": 2}',
  'NaN',
  'Infinity',
  '-Infinity',
  '"\\u00e9\\ud83d\\ude00"',
  '"tab\\tnew\\nline"',
  '  [ ]  ',
  '{}',
  'true',
  'false',
  'null',
  // invalid for json.loads
  '',
  '[1,]',
  '{"a": 1,}',
  "{'a': 1}",
  '01',
  '1.',
  '.5',
  '+1',
  '[1] x',
  '"\t"',
  '{"a" 1}',
  '"\\x"',
  'nan',
  '\ufeff1',
  '- 1',
];

function tag(v: PyValue): unknown {
  switch (v.t) {
    case 'int':
      return ['int', v.v.toString()];
    case 'float':
      return ['float', Number.isNaN(v.v) ? 'nan' : Object.is(v.v, -0) ? '-0.0' : String(v.v)];
    case 'str':
      return ['str', v.v];
    case 'bool':
      return ['bool', v.v];
    case 'none':
      return ['none'];
    case 'list':
      return ['list', v.v.map(tag)];
    case 'dict':
      return ['dict', [...v.v].map(([k, x]) => [k, tag(x)])];
  }
}

const PY_TAGGER = `
import json, sys, math
def tag(v):
    if isinstance(v, bool): return ['bool', v]
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float):
        if math.isnan(v): return ['float', 'nan']
        if v == 0 and math.copysign(1, v) < 0: return ['float', '-0.0']
        if math.isinf(v): return ['float', 'Infinity' if v > 0 else '-Infinity']
        return ['float', repr(v)]
    if isinstance(v, str): return ['str', v]
    if v is None: return ['none']
    if isinstance(v, list): return ['list', [tag(x) for x in v]]
    return ['dict', [[k, tag(x)] for k, x in v.items()]]
for text in json.load(sys.stdin):
    try: print(json.dumps(tag(json.loads(text))))
    except Exception: print('"error"')
`;

describe('parsePyJson', () => {
  it('agrees with json.loads on values, int/float tags, key order and errors', () => {
    const run = spawnSync(PY, ['-c', PY_TAGGER], { input: JSON.stringify(TEXTS), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const theirs = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    const ours = TEXTS.map((t) => {
      try {
        return tag(parsePyJson(t));
      } catch {
        return 'error';
      }
    });
    // JS prints floats differently from Python's repr: compare floats by value.
    const norm = (x: unknown): unknown =>
      Array.isArray(x)
        ? x[0] === 'float' && typeof x[1] === 'string' && !['nan', '-0.0'].includes(x[1])
          ? ['float', Number(x[1])]
          : x.map(norm)
        : x;
    expect(ours.map(norm)).toEqual(theirs.map(norm));
  });

  it('compares like Python ==', () => {
    const p = parsePyJson;
    expect(pyEq(p('5'), p('5.0'))).toBe(true);
    expect(pyEq(p('true'), p('1'))).toBe(true);
    expect(pyEq(p('12345678901234567890123'), p('12345678901234567890124'))).toBe(false);
    expect(pyEq(p('[1, {"a": 2}]'), p('[1.0, {"a": 2.0}]'))).toBe(true);
    expect(pyEq(p('{"a": 1, "b": 2}'), p('{"b": 2, "a": 1}'))).toBe(true);
    expect(pyEq(p('NaN'), p('NaN'))).toBe(false);
    expect(pyEq(p('"1"'), p('1'))).toBe(false);
    expect(pyEq(p('null'), p('false'))).toBe(false);
  });
});
