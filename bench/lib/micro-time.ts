// In-process microbenchmark timing shared by the bench:* scripts that compare two ways of doing
// one thing in the same run (bench:spread, bench:json-depth).

/** µs per call of `fn`: `warmup` calls first, then the best of three runs of `iterations` (the machine is shared). */
export function microTime(fn: () => unknown, iterations: number, warmup = iterations / 10): number {
  for (let i = 0; i < warmup; i++) fn();
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / iterations / 1000);
  }
  return best;
}
