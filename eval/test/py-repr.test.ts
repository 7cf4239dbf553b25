// pyRepr must print exactly what Python's repr() prints: BFCL executes model calls as the strings
// `name(k=repr(v), ...)` (convert_to_function_call), and the agentic checker reads str() of calls.
// Checked against the real repr(json.loads(text)) of the project's Python.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parsePyJson, pyRepr } from '../src/bfcl/py-value.js';
import { pythonPath } from '../src/python-env.js';
import { rng } from './helpers/bfcl-mutations.js';

const FIXED = [
  '0',
  '-7',
  '123456789012345678901234567890',
  'true',
  'false',
  'null',
  '0.0',
  '-0.0',
  '1.0',
  '3.0',
  '0.1',
  '0.0001',
  '0.00001',
  '1e-05',
  '1.5e-7',
  '123456789012345.6',
  '1e15',
  '1e16',
  '9999999999999998.0',
  '2.5E+20',
  '1e300',
  '5e-324',
  '1.7976931348623157e308',
  'NaN',
  'Infinity',
  '-Infinity',
  '-123.456e-10',
  '""',
  '"plain"',
  '"it\'s"',
  '"say \\"hi\\""',
  '"both \' and \\""',
  '"back\\\\slash"',
  '"tab\\tnl\\ncr\\r"',
  '"\\u0000\\u0001\\u001f\\u007f"',
  '"\\u0080\\u009f\\u00a0\\u00ad\\u00e9"',
  '"Zo\\u00eb \\u2014 \\u6771\\u4eac"',
  '"\\ud83d\\ude80 rocket"',
  '"\\ud800 lone"',
  '"\\u2028\\u2029\\u200b\\ufeff"',
  '"\\u3000ideographic space"',
  '"\\ue000 private"',
  '[]',
  '{}',
  '[1, 2.5, "x", [true, null]]',
  '{"a": 1, "b c": {"d": [1.0, "e"]}, "\'q": "v"}',
];

function randomJson(pick: () => number, depth = 0): string {
  const r = pick();
  if (depth < 2 && r < 0.15)
    return `[${Array.from({ length: Math.floor(pick() * 4) }, () => randomJson(pick, depth + 1)).join(', ')}]`;
  if (depth < 2 && r < 0.25)
    return `{${Array.from({ length: Math.floor(pick() * 3) }, (_, i) => `"k${i}": ${randomJson(pick, depth + 1)}`).join(', ')}}`;
  if (r < 0.55) {
    // floats across magnitudes, so both notations and the switch points are exercised
    const x = (pick() - 0.5) * 10 ** Math.floor(pick() * 44 - 22);
    return JSON.stringify(x).includes('.') || JSON.stringify(x).includes('e')
      ? JSON.stringify(x)
      : `${JSON.stringify(x)}.0`;
  }
  if (r < 0.7) return String(Math.floor((pick() - 0.5) * 1e6));
  // Blocks whose assignments are the same in Python 3.11's Unicode data and Node's (control and
  // format characters, Latin-1, Greek, Cyrillic, punctuation, CJK); characters assigned by later
  // Unicode versions print raw here and escaped by an older Python, the one known divergence.
  const blocks = [
    [0, 0x250],
    [0x370, 0x500],
    [0x2000, 0x2070],
    [0x3000, 0x3040],
    [0x4e00, 0x9fff],
  ] as const;
  const chars =
    Array.from({ length: Math.floor(pick() * 8) }, () => {
      const [lo, hi] = blocks[Math.floor(pick() * blocks.length)]!;
      return String.fromCharCode(lo + Math.floor(pick() * (hi - lo)));
    }).join('') + ['', "'", '"', '\\'][Math.floor(pick() * 4)]!;
  return JSON.stringify(chars);
}

describe('pyRepr', () => {
  it("equals Python's repr() of json.loads on fixed and random values", () => {
    const pick = rng(23);
    const texts = [...FIXED, ...Array.from({ length: 400 }, () => randomJson(pick))];
    const run = spawnSync(
      pythonPath(),
      ['-c', 'import json, sys\nfor line in sys.stdin: print(json.dumps(repr(json.loads(line))))'],
      {
        input: texts.join('\n') + '\n',
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const expected = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string);
    expect(expected).toHaveLength(texts.length);
    const wrong = texts.flatMap((t, i) => {
      const ours = pyRepr(parsePyJson(t));
      return ours === expected[i] ? [] : [{ json: t, ours, python: expected[i] }];
    });
    expect(wrong).toEqual([]);
  });
});
