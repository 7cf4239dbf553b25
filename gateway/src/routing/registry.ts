// The one table from config `policy.type` to policy factory. A policy is one file in ./policies;
// adding one means adding its factory here, and an unknown type fails at start-up.
import type { PolicyConfig } from './config.js';
import type { RoutingPolicy } from './policy.js';
import { createRoundRobinPolicy } from './policies/round-robin.js';
import { createLeastLoadedPolicy } from './policies/least-loaded.js';
import { createSessionPolicy } from './policies/session.js';
import { createPrefixPolicy } from './policies/prefix.js';

export const DEFAULT_EPSILON = 0.25;
export type PolicyType = 'round_robin' | 'least_loaded' | 'session' | 'prefix';
export type PolicyFactory = (options: PolicyConfig) => RoutingPolicy;

const epsilonOf = (o: PolicyConfig): number | null => (o.bounded === false ? null : (o.epsilon ?? DEFAULT_EPSILON));

export const POLICIES: Record<PolicyType, PolicyFactory> = {
  round_robin: () => createRoundRobinPolicy(),
  least_loaded: () => createLeastLoadedPolicy(),
  session: (o) =>
    createSessionPolicy({
      header: o.header ?? 'x-session-id',
      epsilon: epsilonOf(o),
      maxSessions: o.maxSessions ?? 100_000,
    }),
  prefix: (o) =>
    createPrefixPolicy({
      epsilon: epsilonOf(o),
      blockChars: o.blockChars ?? 256,
      indexEntries: o.indexEntries ?? 200_000,
    }),
};

export function isPolicyType(type: string): type is PolicyType {
  return Object.hasOwn(POLICIES, type);
}

export function createPolicy(options: PolicyConfig, where: string): RoutingPolicy {
  if (!isPolicyType(options.type)) {
    throw new Error(
      `${where}/type: unknown routing policy '${options.type}' (known: ${Object.keys(POLICIES).join(', ')})`,
    );
  }
  if (options.epsilon !== undefined && !(options.epsilon > 0))
    throw new Error(`${where}/epsilon must be > 0 (got ${options.epsilon})`);
  return POLICIES[options.type](options);
}
