// least_loaded: the backend with the least load (exact in-flight count, or the engine's own
// running + waiting when its scraped /metrics shows more). Ties rotate so that an idle pool
// still spreads sequential requests.
import type { Backend } from '../backend.js';
import type { RouteContext, RoutePick, RoutingPolicy } from '../policy.js';
import { byLoad } from '../pick/load-score.js';

export function createLeastLoadedPolicy(): RoutingPolicy {
  let turn = 0;
  return {
    name: 'least_loaded',
    deterministic: false,
    pick(_ctx: RouteContext, candidates: readonly Backend[]): RoutePick | null {
      if (candidates.length === 0) return null;
      const offset = turn++ % candidates.length;
      const rotated = [...candidates.slice(offset), ...candidates.slice(0, offset)];
      return { backend: byLoad(rotated)[0]!, reason: 'least_loaded' };
    },
  };
}
