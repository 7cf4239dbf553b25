// One load figure per backend for least-loaded ordering: the in-flight count from this gateway
// (all its workers), or the engine's own running + waiting when its /metrics says more is queued (other
// gateway replicas send to the same pods); KV-cache usage (0..1) breaks ties.
import type { Backend } from '../backend.js';

export function loadScore(b: Backend): number {
  const engine = b.engine;
  if (!engine) return b.load;
  return Math.max(b.load, engine.running + engine.waiting) + Math.min(1, Math.max(0, engine.kvCacheUsage)) * 0.5;
}

/** Backends by ascending load; equal loads keep their given order (callers rotate it). */
export function byLoad(backends: readonly Backend[]): Backend[] {
  return backends
    .map((b, i) => ({ b, i, s: loadScore(b) }))
    .sort((x, y) => x.s - y.s || x.i - y.i)
    .map((x) => x.b);
}
