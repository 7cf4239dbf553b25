// The bounded-load picker (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded
// Loads"): with T requests in flight over n backends, a backend may take one more only while
// its in-flight count stays within ⌈(1+ε)·(T+1)/n⌉ after taking it. Because the average is
// below the cap, at least one backend always qualifies, so the walk never comes back empty.
// Loads are `Backend.load`: this process's exact count plus what sibling workers last reported.
import type { Backend } from '../backend.js';

/** Largest in-flight count a backend may reach by taking the next request. */
export function loadCap(candidates: readonly Backend[], epsilon: number): number {
  const total = candidates.reduce((s, b) => s + b.load, 0);
  return Math.ceil(((1 + epsilon) * (total + 1)) / candidates.length);
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
  const cap = loadCap(candidates, epsilon);
  for (let i = 0; i < ranking.length; i++) if (ranking[i]!.load + 1 <= cap) return { backend: ranking[i]!, rank: i };
  // Unreachable when ranking ⊇ candidates; with a partial ranking take the least loaded.
  let best = 0;
  for (let i = 1; i < ranking.length; i++) if (ranking[i]!.load < ranking[best]!.load) best = i;
  return { backend: ranking[best]!, rank: best };
}
