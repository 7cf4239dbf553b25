// Small, exact statistics for the A/B report. Methods (documented in docs/experiments-and-capture.md):
//   rates           Wilson score interval, 95 %
//   latency deltas  paired differences d = shadow − primary of the same request; mean(d) ± z·s/√n
//                   with s the sample standard deviation (n − 1) and z = 1.959964 (normal
//                   approximation; fine for the hundreds of pairs a report is meant for)

export const Z95 = 1.959963984540054;

export interface Rate {
  count: number;
  n: number;
  rate: number | null;
  ci95: [number, number] | null;
}

export interface PairedDelta {
  n: number;
  primaryMean: number;
  shadowMean: number;
  /** mean(shadow − primary); negative = the shadow is faster. */
  meanDiff: number;
  medianDiff: number;
  /** null when n < 2. */
  ci95: [number, number] | null;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function sampleSd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function wilson(count: number, n: number): Rate {
  if (n === 0) return { count, n, rate: null, ci95: null };
  const p = count / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { count, n, rate: p, ci95: [Math.max(0, center - half), Math.min(1, center + half)] };
}

/** Paired delta over pairs where both sides have a value; null when there is none. */
export function pairedDelta(pairs: readonly [number, number][]): PairedDelta | null {
  if (pairs.length === 0) return null;
  const d = pairs.map(([p, s]) => s - p);
  const md = mean(d);
  let ci95: [number, number] | null = null;
  if (d.length >= 2) {
    const half = (Z95 * sampleSd(d)) / Math.sqrt(d.length);
    ci95 = [md - half, md + half];
  }
  return {
    n: d.length,
    primaryMean: mean(pairs.map(([p]) => p)),
    shadowMean: mean(pairs.map(([, s]) => s)),
    meanDiff: md,
    medianDiff: median(d),
    ci95,
  };
}
