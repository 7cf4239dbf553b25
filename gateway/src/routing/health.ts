// Active health probes: every interval, GET /health and /v1/models on each backend. A backend is
// eligible while its last probe succeeded. Probes also learn which models each backend serves,
// which is how the gateway answers /v1/models and recognises unknown models.
import { request } from 'undici';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import type { Backend } from './backend.js';
import type { Router } from './router.js';

export interface ModelCard {
  id: string;
  object?: string;
  created?: number;
  owned_by?: string;
  root?: string | null;
  parent?: string | null;
  max_model_len?: number;
  [k: string]: unknown;
}

export class HealthChecker {
  private timer: NodeJS.Timeout | null = null;
  /** Last /v1/models cards per backend, for the gateway's own /v1/models. */
  readonly cards = new Map<Backend, ModelCard[]>();

  constructor(
    private readonly router: Router,
    private readonly opts: { intervalMs: number; timeoutMs: number },
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.probeAll(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.router.allBackends().map((b) => this.probe(b)));
  }

  async probe(backend: Backend): Promise<boolean> {
    let ok = false;
    try {
      const health = await request(`${backend.url}/health`, {
        dispatcher: backend.dispatcher,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      await health.body.dump();
      if (health.statusCode === 200) {
        const models = await request(`${backend.url}/v1/models`, {
          dispatcher: backend.dispatcher,
          headersTimeout: this.opts.timeoutMs,
          bodyTimeout: this.opts.timeoutMs,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        const body = (await models.body.json()) as { data?: ModelCard[] };
        if (models.statusCode === 200 && Array.isArray(body.data)) {
          this.cards.set(backend, body.data);
          backend.models = new Set(body.data.map((c) => c.id));
          ok = true;
        }
      }
    } catch (err) {
      this.log.debug('probe failed', { backend: backend.name, err });
    }
    this.setHealthy(backend, ok);
    return ok;
  }

  private setHealthy(backend: Backend, healthy: boolean): void {
    if (backend.healthy !== healthy) {
      this.log.info(healthy ? 'backend healthy' : 'backend unhealthy', { backend: backend.name, pool: backend.pool });
    }
    backend.healthy = healthy;
    this.metrics.backendHealthy.set({ backend: backend.name, pool: backend.pool }, healthy ? 1 : 0);
  }
}
