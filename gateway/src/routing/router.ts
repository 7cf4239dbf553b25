// Resolves a public model name to a pool and asks that pool's policy for a backend, recording
// each decision once (metric + debug log). The proxy calls `pick` again with a growing exclude
// set to retry elsewhere.
import type { GatewayConfig } from '../config/schema.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import { Pool } from './pool.js';
import type { Backend } from './backend.js';
import type { RouteContext, RoutePick } from './policy.js';
import { createPolicy } from './registry.js';

export interface ModelRoute {
  pool: Pool;
  /** Model name to send upstream. */
  upstreamModel: string;
}

export class Router {
  readonly pools = new Map<string, Pool>();

  constructor(
    private readonly cfg: GatewayConfig,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    for (const [name, poolCfg] of Object.entries(cfg.pools)) {
      const { type, ...options } = poolCfg.policy;
      const pool = new Pool(name, createPolicy(type, options, `/pools/${name}/policy`), cfg.timeouts.connectMs);
      for (const b of poolCfg.backends) pool.add(b.url, b.name);
      this.pools.set(name, pool);
    }
  }

  allBackends(): Backend[] {
    return [...this.pools.values()].flatMap((p) => p.backends);
  }

  /** Every public model name: configured aliases plus whatever the backends report. */
  modelNames(): Set<string> {
    const names = new Set(Object.keys(this.cfg.models));
    for (const b of this.allBackends()) for (const m of b.models) names.add(m);
    return names;
  }

  /**
   * The pool and upstream model for a public model name, or null when nobody serves it.
   * Aliases win; otherwise the first pool with a backend reporting the model.
   */
  resolve(model: string): ModelRoute | null {
    const alias = this.cfg.models[model];
    if (alias) {
      const pool = this.pools.get(alias.pool);
      return pool ? { pool, upstreamModel: alias.upstreamModel ?? model } : null;
    }
    for (const pool of this.pools.values()) {
      if (pool.backends.some((b) => b.models.has(model))) return { pool, upstreamModel: model };
    }
    return null;
  }

  pick(pool: Pool, ctx: RouteContext): RoutePick | null {
    const candidates = pool.eligible().filter((b) => !ctx.exclude.has(b));
    const pick = pool.policy.pick(ctx, candidates);
    const reason = pick ? (ctx.exclude.size > 0 ? 'retry' : pick.reason) : 'no_backend';
    this.metrics.routeDecisions.inc({ policy: pool.policy.name, reason });
    if (pick?.matchedBlocks !== undefined) this.metrics.prefixMatchBlocks.observe(pick.matchedBlocks);
    this.log.debug('route', { pool: pool.name, policy: pool.policy.name, reason, backend: pick?.backend.name });
    return pick;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
