import { describe, expect, it } from 'vitest';
import { arrivalGaps, arrivalOffsets } from '../src/runner/arrivals.js';
import { createRng } from '../src/runner/rng.js';
import { mean, std } from '../src/runner/stats.js';

describe('open-loop arrivals', () => {
  it('Poisson (burstiness 1): mean rate matches --request-rate, gaps have CV ≈ 1', () => {
    const n = 20_000;
    const gaps = arrivalGaps(n, { requestRate: 8, burstiness: 1 }, createRng(42));
    // Standard error of the mean gap is 1/(8·√n) ≈ 0.7 %; allow 3 %.
    expect(1 / mean(gaps)).toBeGreaterThan(8 * 0.97);
    expect(1 / mean(gaps)).toBeLessThan(8 * 1.03);
    expect(std(gaps) / mean(gaps)).toBeGreaterThan(0.95);
    expect(std(gaps) / mean(gaps)).toBeLessThan(1.05);
  });

  it('gamma burstiness keeps the rate and sets CV = 1/√burstiness', () => {
    for (const b of [0.25, 4]) {
      const gaps = arrivalGaps(20_000, { requestRate: 5, burstiness: b }, createRng(7));
      expect(Math.abs(1 / mean(gaps) / 5 - 1)).toBeLessThan(0.05);
      expect(Math.abs(std(gaps) / mean(gaps) - 1 / Math.sqrt(b))).toBeLessThan(0.1 / Math.sqrt(b));
    }
  });

  it('arrivals counted in a window match rate × window', () => {
    const offsets = arrivalOffsets(5000, { requestRate: 10, burstiness: 1, normalize: false }, createRng(3));
    const inWindow = offsets.filter((t) => t <= 200).length;
    // Poisson count over 200 s at 10/s: mean 2000, sd ≈ 45 → ±4 sd.
    expect(Math.abs(inWindow - 2000)).toBeLessThan(180);
  });

  it('like vLLM, the schedule is rescaled so the last arrival is at N / rate', () => {
    const offsets = arrivalOffsets(100, { requestRate: 4, burstiness: 1 }, createRng(1));
    expect(offsets.at(-1)).toBeCloseTo(25, 9);
    expect(offsets.every((t, i) => i === 0 || t >= (offsets[i - 1] as number))).toBe(true);
  });

  it('is reproducible by seed; inf rate sends at once; inf burstiness is uniform; bad input throws', () => {
    const a = arrivalOffsets(50, { requestRate: 3, burstiness: 1 }, createRng(9));
    const b = arrivalOffsets(50, { requestRate: 3, burstiness: 1 }, createRng(9));
    const c = arrivalOffsets(50, { requestRate: 3, burstiness: 1 }, createRng(10));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(arrivalOffsets(5, { requestRate: Infinity, burstiness: 1 }, createRng(1))).toEqual([0, 0, 0, 0, 0]);
    expect(arrivalGaps(3, { requestRate: 4, burstiness: Infinity }, createRng(1))).toEqual([0.25, 0.25, 0.25]);
    expect(() => arrivalGaps(1, { requestRate: 0, burstiness: 1 }, createRng(1))).toThrow(/rate/);
    expect(() => arrivalGaps(1, { requestRate: 1, burstiness: 0 }, createRng(1))).toThrow(/burstiness/);
  });
});
