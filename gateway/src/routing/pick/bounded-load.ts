// The bounded-load picker (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded
// Loads"): with T requests in flight over n backends, a backend may take one more only while
// its in-flight count stays within ⌈(1+ε)·(T+1)/n⌉ after taking it. Because the average is
// below the cap, at least one backend always qualifies, so the walk never comes back empty.
// Loads are `Backend.load`: this process's exact count plus what sibling workers last reported.
// Under `serve --workers N` the walk is taken again by the cluster primary on exact counts
// (cluster/load-arbiter.ts), through `boundedIndex`, so that the bound holds across workers.
import type { Backend } from '../backend.js';

/** The cap with `total` in flight over `backends` backends. */
export function capFor(total: number, backends: number, epsilon: number): number {
  return Math.ceil(((1 + epsilon) * (total + 1)) / backends);
}

/** Largest in-flight count a backend may reach by taking the next request. */
export function loadCap(candidates: readonly Backend[], epsilon: number): number {
  return capFor(
    candidates.reduce((s, b) => s + b.load, 0),
    candidates.length,
    epsilon,
  );
}

/**
 * The bounded walk on plain counts: the index in `rankingLoads` (loads in preference order) of
 * the first entry under `cap`, or of the least loaded when none is (a partial ranking).
 */
export function boundedIndex(rankingLoads: readonly number[], cap: number): number {
  for (let i = 0; i < rankingLoads.length; i++) if (rankingLoads[i]! + 1 <= cap) return i;
  let best = 0;
  for (let i = 1; i < rankingLoads.length; i++) if (rankingLoads[i]! < rankingLoads[best]!) best = i;
  return best;
}

/** The walk's input, kept on a pick so that it can be taken again on other counts. */
export interface BoundedWalk {
  ranking: readonly Backend[];
  candidates: readonly Backend[];
  epsilon: number;
}

/**
 * Walks `ranking` (preferred first) and returns the first backend under the cap with its index
 * in the ranking (0 = the preferred one), or null when `ranking` is empty.
 */
export function pickBounded(
  ranking: readonly Backend[],
  candidates: readonly Backend[],
  epsilon: number | null,
): { backend: Backend; rank: number } | null {
  if (ranking.length === 0) return null;
  if (epsilon === null) return { backend: ranking[0]!, rank: 0 };
  const rank = boundedIndex(
    ranking.map((b) => b.load),
    loadCap(candidates, epsilon),
  );
  return { backend: ranking[rank]!, rank };
}
