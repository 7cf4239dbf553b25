// One upstream vLLM server as the gateway sees it: address, live in-flight count, health and the
// models it reports. Health and load are written by their own modules; policies only read.
import { Agent } from 'undici';

export interface BackendOptions {
  url: string;
  name?: string;
  pool: string;
  connectTimeoutMs: number;
}

export class Backend {
  readonly url: string;
  readonly name: string;
  readonly pool: string;
  /** Requests dispatched and not yet finished; exact, maintained by the proxy. */
  inflight = 0;
  /** Eligible for traffic (active probes + passive ejection decide). */
  healthy = true;
  /** Model ids the backend's /v1/models reported at the last probe (empty until the first). */
  models = new Set<string>();
  /** Engine load read from the backend's /metrics, when scraped. */
  engine: { running: number; waiting: number; kvCacheUsage: number } | null = null;
  /** Keep-alive connection pool to this backend only. */
  readonly dispatcher: Agent;

  constructor(opts: BackendOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.name = opts.name ?? new URL(this.url).host;
    this.pool = opts.pool;
    this.dispatcher = new Agent({
      connect: { timeout: opts.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: 512,
      pipelining: 1,
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}
