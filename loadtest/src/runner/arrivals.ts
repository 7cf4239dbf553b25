// Open-loop arrival schedules, as `vllm bench serve` draws them (vllm/benchmarks/serve.py,
// get_request): inter-arrival gaps ~ Gamma(shape = burstiness, scale = 1/(rate·burstiness)), so
// burstiness 1 is a Poisson process, < 1 burstier, > 1 more regular, ∞ constant gaps. Like vLLM
// we then rescale the cumulative offsets so the last arrival lands at exactly N / rate: the raw
// sum drifts 1–2 % between seeds and would make throughput figures seed-dependent.
import type { Rng } from './rng.js';

export interface ArrivalOptions {
  /** Requests per second; Infinity sends everything at t = 0 (closed loop under a concurrency cap). */
  requestRate: number;
  /** Gamma shape; 1 = Poisson. */
  burstiness: number;
  /** Match vLLM's rescaling of the schedule to N / rate (default true). */
  normalize?: boolean;
}

/** Raw inter-arrival gaps in seconds (no rescaling), one per request. */
export function arrivalGaps(n: number, opts: ArrivalOptions, rng: Rng): number[] {
  validate(opts);
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) {
    if (opts.requestRate === Infinity) gaps.push(0);
    else if (opts.burstiness === Infinity) gaps.push(1 / opts.requestRate);
    else gaps.push(rng.gamma(opts.burstiness, 1 / (opts.requestRate * opts.burstiness)));
  }
  return gaps;
}

/** Send offsets in seconds from the start of the cell, one per request, non-decreasing. */
export function arrivalOffsets(n: number, opts: ArrivalOptions, rng: Rng): number[] {
  const gaps = arrivalGaps(n, opts, rng);
  const offsets: number[] = [];
  let t = 0;
  for (const g of gaps) offsets.push((t += g));
  const last = offsets.at(-1) ?? 0;
  if ((opts.normalize ?? true) && last > 0 && Number.isFinite(opts.requestRate)) {
    const factor = n / opts.requestRate / last;
    return offsets.map((o) => o * factor);
  }
  return offsets;
}

function validate(opts: ArrivalOptions): void {
  if (!(opts.requestRate > 0)) throw new RangeError(`request rate must be > 0 (got ${opts.requestRate})`);
  if (!(opts.burstiness > 0)) throw new RangeError(`burstiness must be > 0 (got ${opts.burstiness})`);
}
