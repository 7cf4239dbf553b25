// Shadow traffic: a copy of a primary request sent to another variant, fire-and-forget. The copy
// is an exchange of its own (role "shadow") that goes through the same Exchanger as the client's —
// routing, in-flight accounting, retries, timeouts, the tool-call plugin's parse and verdict —
// with its answer read to the end and dropped. Runs detached from the client's response, bounded
// in concurrency (overflow is dropped and counted).
import type { ClientApi, ExchangePlugin } from '../api/exchange.js';
import { Exchange } from '../api/exchange.js';
import { Exchanger, type Answer } from '../api/exchanger.js';
import { prepareExchange, type ProxyDeps } from '../api/proxy-route.js';
import { TOOL_CALLS } from '../api/toolcalls/state.js';
import type { Pool } from '../routing/pool.js';
import type { ToolCallReport } from '../toolcalls/index.js';

export interface ShadowOutcome {
  variant: string;
  backend: string | null;
  report: ToolCallReport | null;
  error: string | null;
  ttftMs: number | null;
  e2eMs: number | null;
}

export interface ShadowJob {
  /** The primary's request id (the shadow's is derived from it). */
  requestId: string;
  model: string;
  variant: string;
  pool: Pool;
  upstreamModel: string;
  /** The primary's final body (a copy). */
  body: Record<string, unknown>;
  stream: boolean;
  tools: unknown[] | null;
  headers: Readonly<Record<string, string>>;
  /** The API the primary's client called (metrics label). */
  api?: ClientApi;
}

export interface ShadowOptions {
  maxConcurrent: number;
  timeoutMs: number;
}

export class ShadowRunner {
  private inflight = 0;
  private deps: ProxyDeps | null = null;

  constructor(private readonly opts: ShadowOptions) {}

  /** The services and plugins a shadow exchange runs with (set once the gateway is built). */
  attach(deps: Omit<ProxyDeps, 'plugins'>, plugins: ExchangePlugin[]): void {
    this.deps = { ...deps, plugins };
  }

  /** Starts the shadow request, or returns null when the concurrency bound is reached (dropped). */
  start(job: ShadowJob): Promise<ShadowOutcome> | null {
    const deps = this.deps;
    if (!deps) return null;
    if (this.inflight >= this.opts.maxConcurrent) {
      deps.metrics.shadowRequests.inc({ model: job.model, variant: job.variant, result: 'dropped_overflow' });
      return null;
    }
    this.inflight++;
    deps.metrics.shadowRequests.inc({ model: job.model, variant: job.variant, result: 'sent' });
    return this.run(job, deps)
      .catch((err: unknown): ShadowOutcome => ({
        variant: job.variant,
        backend: null,
        report: null,
        error: err instanceof Error ? err.message : String(err),
        ttftMs: null,
        e2eMs: null,
      }))
      .then((outcome) => {
        deps.metrics.shadowRequests.inc({
          model: job.model,
          variant: job.variant,
          result: outcome.error ? 'failed' : 'completed',
        });
        if (outcome.error)
          deps.log.debug('shadow request failed', { model: job.model, variant: job.variant, error: outcome.error });
        return outcome;
      })
      .finally(() => this.inflight--);
  }

  get active(): number {
    return this.inflight;
  }

  private async run(job: ShadowJob, deps: ProxyDeps): Promise<ShadowOutcome> {
    const ex = new Exchange({
      id: `${job.requestId}-shadow`,
      endpoint: 'chat',
      api: job.api ?? 'chat',
      role: 'shadow',
      receivedAt: performance.now(),
      body: job.body,
      model: job.model,
      stream: job.stream,
      tools: job.tools,
      headers: job.headers,
      route: { pool: job.pool, upstreamModel: job.upstreamModel },
      variant: job.variant,
    });
    await prepareExchange(ex, deps);
    const answer = await new Exchanger(ex, JSON.stringify(ex.body), deps, { totalMs: this.opts.timeoutMs }).run();
    const error = await drain(answer);
    return {
      variant: job.variant,
      backend: ex.backend?.name ?? null,
      report: ex.state.get(TOOL_CALLS)?.report ?? null,
      error,
      ttftMs: ex.meter?.ttftMs ?? null,
      e2eMs: performance.now() - ex.receivedAt,
    };
  }
}

/** Reads an answer to its end; the error that kept it from completing, or null. */
async function drain(answer: Answer): Promise<string | null> {
  if (answer.type === 'error') return answer.body.error.message;
  if (answer.type === 'whole') return answer.status === 200 ? null : `shadow upstream answered ${answer.status}`;
  for (;;) {
    const step = await answer.steps.next();
    if (step.type === 'end') return null;
    if (step.type === 'fail') return step.message;
  }
}
