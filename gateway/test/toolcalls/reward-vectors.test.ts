// The shared reward vectors (also run against the Python GRPO reward in training/): version 2
// (the default, with its adversarial and option vectors) and the superseded version 1.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scoreReward, type RewardOptions } from '../../src/toolcalls/reward.js';
import type { StrictCall } from '../../src/toolcalls/strict-parse.js';
import type { ToolDef } from '../../src/toolcalls/types.js';

interface Vector {
  id: string;
  tools: ToolDef[];
  raw: string;
  reference: StrictCall[];
  options?: RewardOptions;
  expected: { format: number; correctness: number; schema: 0 | 1; total: number; length?: number };
}

const load = (name: string): Vector[] =>
  readFileSync(new URL(`../../../eval/fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Vector);

const v2 = load('reward-vectors-v2.jsonl');
const v1 = load('reward-vectors-v1.jsonl');
const terms = (r: { format: number; correctness: number; schema: number; total: number; length?: number }) =>
  r.length === undefined
    ? { format: r.format, correctness: r.correctness, schema: r.schema, total: r.total }
    : { ...r };

describe('reward spec v2 vectors', () => {
  it('has unique ids, adversarial and option vectors', () => {
    expect(new Set(v2.map((v) => v.id)).size).toBe(v2.length);
    expect(v2.filter((v) => v.id.startsWith('adv_')).length).toBeGreaterThanOrEqual(30);
    expect(v2.some((v) => v.options?.schedule)).toBe(true);
    expect(v2.some((v) => v.options?.length)).toBe(true);
  });

  it.each(v2.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const got = scoreReward({ tools: v.tools, raw: v.raw, reference: v.reference }, v.options ?? {});
    expect(got.version).toBe(2);
    const { format, correctness, schema, total, length } = got;
    expect(terms({ format, correctness, schema, total, ...(length === undefined ? {} : { length }) })).toEqual(
      v.expected,
    );
  });

  it('scores the three gaming cases of issue 14 below a single correct call', () => {
    const byId = new Map(v2.map((v) => [v.id, v.expected.total]));
    const correct = byId.get('exact_single')!;
    expect(correct).toBe(5);
    for (const id of ['adv_duplicate_call', 'adv_second_call_wrong_arguments', 'adv_prose_around_call'])
      expect(byId.get(id)).toBeLessThan(correct);
    // no adversarial vector without options reaches the maximum
    for (const v of v2.filter((x) => x.id.startsWith('adv_') && !x.options))
      expect(v.expected.total, v.id).toBeLessThan(5);
  });

  it('never scores a spray of candidates above a single guess among them', () => {
    const byId = new Map(v2.map((v) => [v.id, v.expected.total]));
    expect(byId.get('adv_spray_three_cities')!).toBeLessThan(byId.get('value_case_differs')!);
  });
});

describe('reward spec v1 vectors (version: 1)', () => {
  it('still has its 73 vectors', () => expect(v1.length).toBe(73));
  it.each(v1.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const got = scoreReward({ tools: v.tools, raw: v.raw, reference: v.reference }, { version: 1 });
    expect(got.version).toBe(1);
    expect({ format: got.format, correctness: got.correctness, schema: got.schema, total: got.total }).toEqual(
      v.expected,
    );
  });
});
