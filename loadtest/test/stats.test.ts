import { describe, expect, it } from 'vitest';
import { mean, percentile, std, summarize } from '../src/runner/stats.js';

// Expected values are hand-computed with numpy's linear rule: h = (n−1)·p/100.
describe('stats (numpy definitions)', () => {
  const ten = [7, 1, 10, 3, 5, 2, 9, 4, 8, 6]; // unsorted on purpose

  it('percentile interpolates linearly between order statistics', () => {
    expect(percentile(ten, 50)).toBeCloseTo(5.5, 12); // h = 4.5 → 5 + .5·(6−5)
    expect(percentile(ten, 95)).toBeCloseTo(9.55, 12); // h = 8.55 → 9 + .55·1
    expect(percentile(ten, 99)).toBeCloseTo(9.91, 12); // h = 8.91
    expect(percentile(ten, 0)).toBe(1);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile([15, 20, 35, 40, 50], 40)).toBeCloseTo(29, 12); // h = 1.6 → 20 + .6·15
    expect(percentile([42], 95)).toBe(42);
  });

  it('empty samples give 0 like vLLM (np.mean(xs or 0)) and bad percentiles throw', () => {
    expect(percentile([], 95)).toBe(0);
    expect(mean([])).toBe(0);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('std is the population standard deviation', () => {
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2, 12);
  });

  it('summarize scales every figure and leaves the input untouched', () => {
    const s = summarize(
      ten.map((x) => x / 1000),
      1000,
    );
    expect(s.count).toBe(10);
    expect(s.mean).toBeCloseTo(5.5, 9);
    expect(s.p50).toBeCloseTo(5.5, 9);
    expect(s.median).toBe(s.p50);
    expect(s.p90).toBeCloseTo(9.1, 9); // h = 8.1
    expect(s.p95).toBeCloseTo(9.55, 9);
    expect(s.min).toBeCloseTo(1, 9);
    expect(s.max).toBeCloseTo(10, 9);
    expect(ten[0]).toBe(7);
  });
});
