// One upstream inference server (vLLM, or llama.cpp's llama-server) as the gateway sees it:
// address, kind, live in-flight count, health and the models it reports. Eligibility has three
// independent inputs, each written by its own module: active probes (`probeOk`), discovery
// readiness (`ready`) and passive ejection (`breaker`). Policies only read.
import { Agent } from 'undici';
import { CircuitBreaker, type BreakerOptions } from './circuit-breaker.js';
import type { EngineKind, EngineKindSetting } from './engine-kind.js';

export interface BackendOptions {
  url: string;
  name?: string;
  pool: string;
  connectTimeoutMs: number;
  ejection?: BreakerOptions;
  /** Configured kind; 'auto' (default) detects it from the /v1/models cards. */
  kind?: EngineKindSetting;
}

export interface EngineLoad {
  running: number;
  waiting: number;
  kvCacheUsage: number;
}

const DEFAULT_EJECTION: BreakerOptions = { threshold: 3, baseMs: 1_000, maxMs: 60_000 };

export class Backend {
  readonly url: string;
  readonly name: string;
  readonly pool: string;
  /** vLLM or llama-server: configured, or detected at the first successful probe (null until then). */
  kind: EngineKind | null;
  /** The kind came from config, so probes do not re-detect it. */
  readonly kindConfigured: boolean;
  /** Requests dispatched and not yet finished; exact, maintained by the proxy. */
  inflight = 0;
  /** Last active /health probe succeeded (true until the first probe says otherwise). */
  probeOk = true;
  /** Discovery says the endpoint is ready (static backends: always). */
  ready = true;
  /** Passive ejection after consecutive failures. */
  readonly breaker: CircuitBreaker;
  /** Model ids the backend's /v1/models reported at the last probe (empty until the first). */
  models = new Set<string>();
  /** Engine load read from the backend's /metrics, when scraped. */
  engine: EngineLoad | null = null;
  /** Keep-alive connection pool to this backend only. */
  readonly dispatcher: Agent;

  constructor(opts: BackendOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.name = opts.name ?? new URL(this.url).host;
    this.pool = opts.pool;
    this.kindConfigured = opts.kind !== undefined && opts.kind !== 'auto';
    this.kind = this.kindConfigured ? (opts.kind as EngineKind) : null;
    this.breaker = new CircuitBreaker(opts.ejection ?? DEFAULT_EJECTION);
    this.dispatcher = new Agent({
      connect: { timeout: opts.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: 512,
      pipelining: 1,
    });
  }

  /** Eligible for traffic now: probe passing, discovery ready, not ejected. */
  get healthy(): boolean {
    return this.probeOk && this.ready && this.breaker.allows(Date.now());
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}
