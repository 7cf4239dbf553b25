// The routing policy contract. Policies are pure: they see only eligible backends and the
// request's routing context, return a pick and a reason, and never log or record metrics —
// the router does that once per decision.
import type { Backend } from './backend.js';

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

export interface RoutePick {
  backend: Backend;
  /** Bounded label value for toolgate_route_decisions_total{reason}. */
  reason: string;
  /** Optional detail for the decision log/metrics (e.g. prefix blocks matched). */
  matchedBlocks?: number;
}

export interface RoutingPolicy {
  readonly name: string;
  pick(ctx: RouteContext, candidates: readonly Backend[]): RoutePick | null;
  /** Called when a request finishes on the picked backend (for policies that learn, e.g. prefix). */
  observe?(ctx: RouteContext, pick: RoutePick): void;
}
