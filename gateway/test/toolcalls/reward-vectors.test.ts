// The shared reward vectors (also run against the Python GRPO reward in training/).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scoreReward } from '../../src/toolcalls/reward.js';
import type { StrictCall } from '../../src/toolcalls/strict-parse.js';
import type { ToolDef } from '../../src/toolcalls/types.js';

interface Vector {
  id: string;
  tools: ToolDef[];
  raw: string;
  reference: StrictCall[];
  expected: { format: 0 | 1; correctness: number; schema: 0 | 1; total: number };
}

const vectors: Vector[] = readFileSync(new URL('../../../eval/fixtures/reward-vectors.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Vector);

describe('reward spec v1 vectors', () => {
  it('has enough vectors with unique ids', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(40);
    expect(new Set(vectors.map((v) => v.id)).size).toBe(vectors.length);
  });

  it.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const got = scoreReward({ tools: v.tools, raw: v.raw, reference: v.reference });
    expect({ format: got.format, correctness: got.correctness, schema: got.schema, total: got.total }).toEqual(v.expected);
  });

  it('covers both format outcomes, both schema outcomes and the full reward range', () => {
    const totals = vectors.map((v) => v.expected.total);
    expect(Math.min(...totals)).toBe(-3);
    expect(Math.max(...totals)).toBe(5);
    expect(vectors.some((v) => v.expected.format === 1 && v.expected.schema === 0)).toBe(true);
  });
});
