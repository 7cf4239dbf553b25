// The routing policy contract. Policies are pure: they see only eligible backends and the
// request's routing context, return a pick and a reason, and never log or record metrics —
// the router does that once per decision. Shared steps live in ./pick (rendezvous ranking,
// load ordering, the bounded-load walk) so that a policy composes them rather than growing.
import type { Backend } from './backend.js';
import type { BoundedWalk } from './pick/bounded-load.js';

export interface RouteContext {
  /** Public model name the client asked for. */
  model: string;
  /** Parsed request body (read-only). */
  body: Readonly<Record<string, unknown>>;
  /** Request headers, lower-cased names. */
  headers: Readonly<Record<string, string>>;
  /** Backends already tried for this request (retry): policies must not pick them again. */
  exclude: ReadonlySet<Backend>;
}

/** Bounded set of reasons (label values of toolgate_route_decisions_total{reason}). */
export type RouteReason = 'round_robin' | 'least_loaded' | 'prefix_hit' | 'hash' | 'overflow' | 'sticky' | 'fallback';

/**
 * What a policy learned from a pick that hashing alone would not reproduce (an overflow, a
 * conversation that stays where an earlier overflow put it). Sibling worker processes adopt it,
 * so the next request with that prefix or session goes to the same backend whichever worker
 * takes it. Plain data: it crosses process boundaries.
 */
export type RouteMemo =
  { kind: 'prefix'; hashes: number[]; url: string } | { kind: 'session'; key: string; url: string };

export interface RoutePick {
  backend: Backend;
  /** Bounded label value for toolgate_route_decisions_total{reason}. */
  reason: RouteReason;
  /** Prefix policy: blocks of the longest match on the chosen backend (0 = none). */
  matchedBlocks?: number;
  /** Set when the pick deviates from what every replica would compute on its own. */
  memo?: RouteMemo;
  /**
   * The bounded-load walk that chose `backend`. Under `serve --workers N` the cluster primary
   * takes it again on the whole process's exact counts (Router.take); `memoFor` records a
   * different outcome with the policy, as a sibling's memo would.
   */
  walk?: BoundedWalk & { memoFor(url: string): RouteMemo };
}

export interface RoutingPolicy {
  readonly name: string;
  /** Same state + same input → same pick, across instances built from the same config. */
  readonly deterministic: boolean;
  pick(ctx: RouteContext, candidates: readonly Backend[]): RoutePick | null;
  /** A backend left the pool: drop what the policy remembers about it. */
  forget?(backend: Backend): void;
  /** Takes over what another instance of this policy learned (its pick's `memo`). */
  adopt?(memo: RouteMemo): void;
}
