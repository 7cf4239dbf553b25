// Active health probes: every interval, GET /health and /v1/models on each backend. `probeOk`
// follows the probes with hysteresis, as Envoy's health checker: `unhealthyThreshold` failures in
// a row take a backend out (at once when the connection is refused or it never passed a probe),
// `healthyThreshold` passes in a row bring it back. One probe that times out on a busy host must
// not drop a pod mid-burst and pile its share on the others. Passive ejection (circuit breaker)
// and discovery readiness are kept separately on the backend, and the gauge shows the combined
// eligibility. Probes also learn which models each backend serves, which is how the gateway
// answers /v1/models and recognises unknown models, and — for backends of kind `auto` — whether a
// backend is vLLM or llama-server (engine-kind.ts), whose cards are brought to vLLM's shape. New
// backends (discovery) are probed as soon as they join. Under `serve --workers N` each worker
// probes, and every result also reaches the siblings' hysteresis (`onResult`/`applyShared`), so
// that the workers judge a backend on one stream of probes and agree on who is eligible.
import { request } from 'undici';
import { cardNames, detectKind, normalizeCard } from './engine-kind.js';
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

/** Sets toolgate_backend_healthy from the backend's combined eligibility. */
export function publishHealth(metrics: Metrics, backend: Backend): void {
  metrics.backendHealthy.set({ backend: backend.name, pool: backend.pool }, backend.healthy ? 1 : 0);
}

export class HealthChecker {
  private timer: NodeJS.Timeout | null = null;
  /** Last /v1/models cards per backend, for the gateway's own /v1/models. */
  readonly cards = new Map<Backend, ModelCard[]>();
  private readonly lastEligible = new Map<Backend, boolean>();
  /** Probe results in a row per backend: > 0 passes, < 0 failures. */
  private readonly streak = new Map<Backend, number>();
  /** Backends that have passed a probe at least once. */
  private readonly passed = new Set<Backend>();
  /** Set in a worker process: hands each probe's outcome to the sibling workers. */
  onResult: ((backend: Backend, ok: boolean, refused: boolean) => void) | null = null;

  constructor(
    private readonly router: Router,
    private readonly opts: {
      intervalMs: number;
      timeoutMs: number;
      unhealthyThreshold?: number;
      healthyThreshold?: number;
    },
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    for (const pool of router.pools.values()) {
      pool.listen({
        added: (b) => void this.probe(b),
        changed: (b) => this.publish(b),
        removed: (b) => {
          this.cards.delete(b);
          this.lastEligible.delete(b);
          this.streak.delete(b);
          this.passed.delete(b);
          metrics.backendHealthy.remove({ backend: b.name, pool: b.pool });
        },
      });
    }
  }

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
    let refused = false;
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
          const raw = body.data.filter((c) => typeof c?.id === 'string');
          if (!backend.kindConfigured) {
            const kind = detectKind(raw);
            if (backend.kind !== kind) this.log.info('backend kind detected', { backend: backend.name, kind });
            backend.kind = kind;
          }
          const cards = raw.map((c) => normalizeCard(backend.kind ?? 'vllm', c));
          this.cards.set(backend, cards);
          backend.models = new Set(cards.flatMap(cardNames));
          ok = true;
        }
      }
    } catch (err) {
      const e = err as { code?: string; cause?: { code?: string } };
      refused = (e?.code ?? e?.cause?.code) === 'ECONNREFUSED';
      this.log.debug('probe failed', { backend: backend.name, err });
    }
    backend.probeOk = this.judge(backend, ok, refused);
    this.publish(backend);
    this.onResult?.(backend, ok, refused);
    return ok;
  }

  /**
   * A sibling worker's probe of `url` in `pool`, judged as if this worker had made it. A pass
   * counts only once this worker's own probe has passed (and so learned the backend's models).
   */
  applyShared(pool: string, url: string, ok: boolean, refused: boolean): void {
    const backend = this.router.pools.get(pool)?.member(url);
    if (!backend || (ok && !this.passed.has(backend))) return;
    backend.probeOk = this.judge(backend, ok, refused);
    this.publish(backend);
  }

  /** The backend's probe state after this result, with hysteresis. */
  private judge(backend: Backend, ok: boolean, refused: boolean): boolean {
    const before = this.streak.get(backend) ?? 0;
    const streak = ok ? Math.max(before, 0) + 1 : Math.min(before, 0) - 1;
    this.streak.set(backend, streak);
    if (ok) this.passed.add(backend);
    // Nothing listening, or never seen healthy (e.g. a certificate it cannot verify): out at once.
    if (refused || !this.passed.has(backend)) return ok;
    if (ok) return backend.probeOk || streak >= (this.opts.healthyThreshold ?? 1);
    return backend.probeOk && -streak < (this.opts.unhealthyThreshold ?? 1);
  }

  /** Publishes the gauge and logs transitions of the combined state (probe, breaker, readiness). */
  publish(backend: Backend): void {
    const eligible = backend.healthy;
    const before = this.lastEligible.get(backend);
    if (before !== undefined && before !== eligible) {
      this.log.info(eligible ? 'backend eligible' : 'backend not eligible', {
        backend: backend.name,
        pool: backend.pool,
        probeOk: backend.probeOk,
        ready: backend.ready,
        breaker: backend.breaker.state(Date.now()),
      });
    }
    this.lastEligible.set(backend, eligible);
    publishHealth(this.metrics, backend);
  }
}
