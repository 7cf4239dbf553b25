// The one table from config `policy.type` to policy factory. A policy is one file in ./policies;
// adding one means adding its factory here, and an unknown type fails at start-up.
import type { RoutingPolicy } from './policy.js';
import { createRoundRobinPolicy } from './policies/round-robin.js';

export type PolicyFactory = (options: Record<string, unknown>) => RoutingPolicy;

export const POLICIES: Record<string, PolicyFactory> = {
  round_robin: () => createRoundRobinPolicy(),
};

export function createPolicy(type: string, options: Record<string, unknown>, where: string): RoutingPolicy {
  const factory = POLICIES[type];
  if (!factory) {
    throw new Error(`${where}: unknown routing policy '${type}' (known: ${Object.keys(POLICIES).join(', ')})`);
  }
  return factory(options);
}
