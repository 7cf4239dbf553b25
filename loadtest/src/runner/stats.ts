// Summary statistics with numpy's definitions, so our figures line up with `vllm bench serve`:
// np.percentile's default "linear" method (rank h = (n−1)·p/100, interpolate between the
// neighbours), np.median, and the population standard deviation (np.std, ddof = 0). vLLM reports
// 0 for an empty sample (`np.mean(xs or 0)`); we do the same so a cell with no successes still
// has numeric columns, and mark it through `count`.

export interface Summary {
  count: number;
  mean: number;
  std: number;
  median: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** numpy.percentile(xs, p) with method="linear". */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100] (got ${p})`);
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

function percentileSorted(sorted: readonly number[], p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = h - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * frac;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Population standard deviation (numpy's default ddof = 0). */
export function std(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / xs.length);
}

/** Summary of a sample, every figure multiplied by `scale` (1000 turns seconds into ms). */
export function summarize(xs: readonly number[], scale = 1): Summary {
  const sorted = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (sorted.length === 0 ? 0 : percentileSorted(sorted, p) * scale);
  return {
    count: xs.length,
    mean: mean(xs) * scale,
    std: std(xs) * scale,
    median: q(50),
    p50: q(50),
    p90: q(90),
    p95: q(95),
    p99: q(99),
    min: sorted.length ? (sorted[0] as number) * scale : 0,
    max: sorted.length ? (sorted[sorted.length - 1] as number) * scale : 0,
  };
}
