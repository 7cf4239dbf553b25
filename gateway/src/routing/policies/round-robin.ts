// round_robin: each eligible backend in turn. The baseline every other policy is measured against.
import type { Backend } from '../backend.js';
import type { RouteContext, RoutePick, RoutingPolicy } from '../policy.js';

export function createRoundRobinPolicy(): RoutingPolicy {
  let next = 0;
  return {
    name: 'round_robin',
    deterministic: true,
    pick(_ctx: RouteContext, candidates: readonly Backend[]): RoutePick | null {
      if (candidates.length === 0) return null;
      const backend = candidates[next % candidates.length]!;
      next = (next + 1) % Number.MAX_SAFE_INTEGER;
      return { backend, reason: 'round_robin' };
    },
  };
}
