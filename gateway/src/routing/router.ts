// Resolves a public model name to a pool and asks that pool's policy for a backend, recording
// each decision once (metric, routing latency, debug log). The proxy calls `pick` again with a
// growing exclude set to retry elsewhere. The router also owns each pool's membership sources
// (static config, Kubernetes discovery) and load scrapers: `start` fills and starts them.
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../config/schema.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import { Pool } from './pool.js';
import type { Backend } from './backend.js';
import type { RouteContext, RouteMemo, RoutePick } from './policy.js';
import { createPolicy } from './registry.js';
import { LoadScraper } from './load-scraper.js';
import { KubernetesDiscovery } from './discovery/kubernetes-discovery.js';
import type { PoolConfig } from './config.js';

export interface ModelRoute {
  pool: Pool;
  /** Model name to send upstream. */
  upstreamModel: string;
}

/** A backend counted against for one request, and how to stop counting it. */
export interface Taken {
  backend: Backend;
  release: () => void;
}

/**
 * Whoever holds every worker's in-flight counts (the cluster primary): walks a pick's ranking on
 * them, counts the request against the chosen backend and hands back the backend, counted here
 * too; null when it cannot answer (then this process's own pick stands).
 */
export interface LoadArbiter {
  place(pool: string, walk: { ranking: string[]; candidates: string[]; epsilon: number }): Promise<Taken | null>;
}

export interface PoolReadiness {
  pool: string;
  backends: number;
  eligible: number;
  /** Backends whose last probe passed and that discovery calls ready (passive ejection aside). */
  reachable: number;
  /** Routing to every ready backend because too few are eligible. */
  panic: boolean;
}

const EJECTION_DEFAULTS = { consecutiveFailures: 3, baseMs: 1_000, maxMs: 60_000 };
const PANIC_THRESHOLD_DEFAULT = 50;
const SCRAPE_DEFAULTS = { intervalMs: 2_000, timeoutMs: 1_000 };

function readCaFile(file: string, where: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${where}: cannot read ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${where}: ${file} holds no PEM certificate`);
  return pem;
}

export class Router {
  readonly pools = new Map<string, Pool>();
  private readonly discoveries: KubernetesDiscovery[] = [];
  private readonly scrapers: LoadScraper[] = [];
  private readonly panicking = new Set<Pool>();
  /** Set in a worker process (`serve --workers N`): hands each pick's memo to the siblings. */
  onMemo: ((pool: string, memo: RouteMemo) => void) | null = null;
  /** Set in a worker process: this process's in-flight count on some backend changed. */
  onLoadChange: (() => void) | null = null;
  /** Set in a worker process: takes bounded-load walks again on the whole process's counts. */
  arbiter: LoadArbiter | null = null;

  constructor(
    private readonly cfg: GatewayConfig,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    if (Object.keys(cfg.pools).length === 0)
      throw new Error('no backends configured: set upstreams, pools or TOOLGATE_UPSTREAMS');
    for (const [name, poolCfg] of Object.entries<PoolConfig>(cfg.pools)) {
      const where = `/pools/${name}`;
      if (poolCfg.backends.length === 0 && !poolCfg.discovery) {
        throw new Error(`${where}: pool '${name}' is empty: give it static backends or a discovery source`);
      }
      const ejection = { ...EJECTION_DEFAULTS, ...poolCfg.ejection };
      const pool = new Pool(name, createPolicy(poolCfg.policy ?? { type: 'prefix' }, `${where}/policy`), {
        connectTimeoutMs: cfg.timeouts.connectMs,
        ejection: { threshold: ejection.consecutiveFailures, baseMs: ejection.baseMs, maxMs: ejection.maxMs },
        panicThreshold: poolCfg.panicThreshold ?? PANIC_THRESHOLD_DEFAULT,
        ca: poolCfg.tls?.caFile ? readCaFile(poolCfg.tls.caFile, `${where}/tls/caFile`) : undefined,
        toolParsing: poolCfg.toolParsing ?? 'gateway',
        kind: poolCfg.kind,
      });
      for (const b of poolCfg.backends) pool.add(b.url, b.name, true, b.kind ?? poolCfg.kind);
      if (poolCfg.discovery?.kubernetes)
        this.discoveries.push(
          new KubernetesDiscovery(pool, poolCfg.discovery.kubernetes, log.child({ pool: name }), env),
        );
      const scrape = { ...SCRAPE_DEFAULTS, ...poolCfg.scrape };
      this.scrapers.push(new LoadScraper(() => pool.backends, scrape, metrics, log));
      this.pools.set(name, pool);
    }
  }

  /** First discovery list (so pools are filled before traffic), then watches and load scrapes. */
  async start(): Promise<void> {
    await Promise.all(this.discoveries.map((d) => d.start()));
    for (const s of this.scrapers) {
      s.start();
      void s.scrapeAll();
    }
  }

  allBackends(): Backend[] {
    return [...this.pools.values()].flatMap((p) => p.backends);
  }

  /** Per pool: members, eligible and reachable members, panic (for /ready). */
  readiness(): PoolReadiness[] {
    return [...this.pools.values()].map((p) => ({
      pool: p.name,
      backends: p.backends.length,
      eligible: p.eligible().length,
      reachable: p.backends.filter((b) => b.probeOk && b.ready).length,
      panic: p.routable().panic,
    }));
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

  /** Counts one request against `backend` until the returned release is called (idempotent). */
  acquire(backend: Backend): () => void {
    backend.inflight++;
    this.metrics.inflight.set({ backend: backend.name }, backend.inflight);
    this.onLoadChange?.();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      backend.inflight--;
      this.metrics.inflight.set({ backend: backend.name }, backend.inflight);
      this.onLoadChange?.();
    };
  }

  /**
   * Counts the request against the picked backend. In a worker process a bounded pick is placed by
   * the arbiter instead, so that the bound holds over all workers' requests and not only over
   * what this process last heard of its siblings' (a hot tenant's burst reaches every worker in
   * the same instant); where that differs from the local pick, the policy and the siblings learn
   * it as a memo. Synchronous when no arbiter is involved.
   */
  take(pool: Pool, pick: RoutePick): Taken | Promise<Taken> {
    const walk = pick.walk;
    if (!this.arbiter || !walk || walk.candidates.length < 2)
      return { backend: pick.backend, release: this.acquire(pick.backend) };
    const urls = (bs: readonly Backend[]) => bs.map((b) => b.url);
    return this.arbiter
      .place(pool.name, { ranking: urls(walk.ranking), candidates: urls(walk.candidates), epsilon: walk.epsilon })
      .then((placed) => {
        if (!placed) return { backend: pick.backend, release: this.acquire(pick.backend) };
        if (placed.backend !== pick.backend) {
          const memo = walk.memoFor(placed.backend.url);
          pool.policy.adopt?.(memo);
          this.onMemo?.(pool.name, memo);
        }
        return placed;
      });
  }

  pick(pool: Pool, ctx: RouteContext): RoutePick | null {
    const started = performance.now();
    const routable = pool.routable();
    this.notePanic(pool, routable.panic);
    const candidates = routable.backends.filter((b) => !ctx.exclude.has(b));
    const pick = pool.policy.pick(ctx, candidates);
    const reason = pick ? (ctx.exclude.size > 0 ? 'retry' : pick.reason) : 'no_backend';
    this.metrics.overhead.observe({ phase: 'route' }, (performance.now() - started) / 1000);
    this.metrics.routeDecisions.inc({ policy: pool.policy.name, reason });
    if (pick?.matchedBlocks !== undefined) this.metrics.prefixMatchBlocks.observe(pick.matchedBlocks);
    if (this.log.enabled('debug'))
      this.log.debug('route', {
        pool: pool.name,
        policy: pool.policy.name,
        reason,
        backend: pick?.backend.name,
        matchedBlocks: pick?.matchedBlocks,
      });
    if (pick?.memo && this.onMemo) this.onMemo(pool.name, pick.memo);
    return pick;
  }

  /** Publishes and logs a pool entering or leaving panic. */
  private notePanic(pool: Pool, panic: boolean): void {
    if (panic === this.panicking.has(pool)) return;
    if (panic) this.panicking.add(pool);
    else this.panicking.delete(pool);
    this.metrics.poolPanic.set({ pool: pool.name }, panic ? 1 : 0);
    const fields = { pool: pool.name, backends: pool.backends.length, eligible: pool.eligible().length };
    if (panic) this.log.warn('pool in panic: too few eligible backends, routing to every ready one', fields);
    else this.log.info('pool out of panic', fields);
  }

  /** What a sibling worker's policy learned (see RouteMemo). */
  adopt(poolName: string, memo: RouteMemo): void {
    this.pools.get(poolName)?.policy.adopt?.(memo);
  }

  async close(): Promise<void> {
    for (const s of this.scrapers) s.stop();
    await Promise.all(this.discoveries.map((d) => d.stop()));
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
