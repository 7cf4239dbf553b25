// One upstream inference server (vLLM, or llama.cpp's llama-server) as the gateway sees it:
// address, kind, live in-flight count, health and the models it reports. Eligibility has three
// independent inputs, each written by its own module: active probes (`probeOk`), discovery
// readiness (`ready`) and passive ejection (`breaker`). Policies only read.
import { Pool } from 'undici';
import { CircuitBreaker, type BreakerOptions } from './circuit-breaker.js';
import type { EngineKind, EngineKindSetting } from './engine-kind.js';

export interface BackendOptions {
  url: string;
  name?: string;
  pool: string;
  connectTimeoutMs: number;
  ejection?: BreakerOptions;
  /** CA certificates (PEM) trusted for https:// backends (they replace Node's default store for this backend). */
  ca?: string;
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
  /** Requests this process dispatched and not yet finished; exact, maintained by the proxy. */
  inflight = 0;
  /**
   * Requests the sibling worker processes have in flight here (`serve --workers N`), as of their
   * last report (one IPC hop old: they report each change); 0 in a single process. See
   * cluster/worker-link.ts.
   */
  peerInflight = 0;
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
  /** Keep-alive connection pool to this backend only (one origin: a Pool, not an Agent). */
  readonly dispatcher: Pool;
  /** scheme://host:port, and the URL's path (no trailing slash) that request paths go under. */
  readonly origin: string;
  readonly basePath: string;

  constructor(opts: BackendOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.name = opts.name ?? new URL(this.url).host;
    this.pool = opts.pool;
    this.kindConfigured = opts.kind !== undefined && opts.kind !== 'auto';
    this.kind = this.kindConfigured ? (opts.kind as EngineKind) : null;
    this.breaker = new CircuitBreaker(opts.ejection ?? DEFAULT_EJECTION);
    const parsed = new URL(this.url);
    this.origin = parsed.origin;
    this.basePath = parsed.pathname.replace(/\/+$/, '');
    // HTTP/1.1 keep-alive to this origin only: vLLM's server (uvicorn) speaks no HTTP/2, so
    // undici's allowH2 would buy nothing between the gateway and a pod.
    this.dispatcher = new Pool(this.origin, {
      connect: { timeout: opts.connectTimeoutMs, ...(opts.ca ? { ca: opts.ca } : {}) },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: 512,
      pipelining: 1,
    });
  }

  /** In flight on this backend from the whole gateway process: what load-aware policies compare. */
  get load(): number {
    return this.inflight + this.peerInflight;
  }

  /** Eligible for traffic now: probe passing, discovery ready, not ejected. */
  get healthy(): boolean {
    return this.probeOk && this.ready && this.breaker.allows(Date.now());
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}
