// The experiments plugin: for a public model with variants, assigns the request to one (pinned or
// weighted-sticky), routes it to that variant's pool and upstream model, tells the client which
// served (x-toolgate-variant), and mirrors a share of requests to the shadow variant. When both
// sides are done, a paired record goes to capture. Nothing here can delay or alter the primary.
import type { GatewayConfig } from '../config/schema.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import type { Router } from '../routing/router.js';
import type { Pool } from '../routing/pool.js';
import type { Exchange, ExchangePlugin, ExchangeResult } from '../api/exchange.js';
import { TOOL_CALLS } from '../api/toolcalls/state.js';
import { recordHeader } from '../api/capture-plugin.js';
import type { ToolCallReport } from '../toolcalls/index.js';
import type { Capture } from '../capture/pipeline.js';
import type { PairSide, ShadowPairRecord } from '../capture/record.js';
import { assignVariant } from './assign.js';
import { ShadowRunner, type ShadowOutcome } from './shadow.js';
import { callsAgree, type SimpleCall } from './agreement.js';

export function createExperimentsPlugin(
  cfg: GatewayConfig,
  router: Router,
  metrics: Metrics,
  log: Logger,
  capture: Capture | null,
): ExchangePlugin & { shadow: ShadowRunner } {
  const shadow = new ShadowRunner({
    maxConcurrent: cfg.experiments.shadowMaxConcurrent,
    timeoutMs: cfg.experiments.shadowTimeoutMs,
  });
  const pending = new WeakMap<Exchange, Promise<ShadowOutcome | null>>();
  const decided = new WeakMap<Exchange, { variant: string; pool: Pool; upstreamModel: string }>();

  return {
    name: 'experiments',
    shadow,

    onRequest(ex) {
      if (ex.role !== 'primary') return;
      const route = cfg.models[ex.model];
      if (!route?.variants) return;
      const { variant, reason } = assignVariant(ex.model, route, ex.headers, ex.body);
      const v = route.variants[variant]!;
      const pool = router.pools.get(v.pool);
      if (!pool) return;
      ex.route = { pool, upstreamModel: v.model ?? ex.model };
      ex.variant = variant;
      ex.responseHeaders['x-toolgate-variant'] = variant;
      metrics.variantAssignments.inc({ model: ex.model, variant, reason });

      const s = route.shadow;
      // Only chat is mirrored: the shadow runner speaks /v1/chat/completions and judges tool calls.
      if (!s || ex.endpoint !== 'chat' || s.variant === variant || Math.random() * 100 >= s.percent) return;
      const sv = route.variants[s.variant]!;
      const shadowPool = router.pools.get(sv.pool);
      if (!shadowPool) return;
      decided.set(ex, { variant: s.variant, pool: shadowPool, upstreamModel: sv.model ?? ex.model });
    },

    onDispatch(ex) {
      const d = decided.get(ex);
      if (!d) return;
      // The request passed every check and its body is final (history repairs included), so the
      // shadow gets exactly what the primary sends; a refused request never reaches this point.
      // Started on the next turn of the event loop so the primary goes out first.
      const job = {
        requestId: ex.id,
        model: ex.model,
        variant: d.variant,
        pool: d.pool,
        upstreamModel: d.upstreamModel,
        body: structuredClone(ex.body) as Record<string, unknown>,
        stream: ex.stream,
        tools: ex.tools,
        headers: ex.headers,
        api: ex.api,
      };
      pending.set(ex, new Promise<ShadowOutcome | null>((resolve) => setImmediate(() => resolve(shadow.start(job)))));
    },

    onFinish(ex: Exchange, result: ExchangeResult) {
      const job = pending.get(ex);
      if (!job) return;
      const primary = primarySide(ex, result);
      void job.then((outcome) => {
        if (!outcome) return;
        const side = shadowSide(outcome, (ex.tools?.length ?? 0) > 0);
        const agree = callsAgree(primary.calls, side.calls);
        metrics.shadowAgreement.inc({
          model: ex.model,
          primary_variant: ex.variant,
          shadow_variant: outcome.variant,
          agree: String(agree),
        });
        const record: ShadowPairRecord = {
          kind: 'shadow_pair',
          ...recordHeader(ex),
          messages: ex.body.messages as ShadowPairRecord['messages'],
          tools: (ex.tools ?? []) as ShadowPairRecord['tools'],
          primary,
          shadow: side,
          agree,
        };
        capture?.offer(record);
      });
    },
  };
}

/** The side's valid calls; [] when it made none (or could not: no tools); null when unknown or invalid. */
function sideCalls(report: ToolCallReport | null, hasTools: boolean): SimpleCall[] | null {
  if (!report) return hasTools ? null : [];
  if (report.outcome === 'invalid' || report.outcome === 'none') return report.outcome === 'none' ? [] : null;
  return report.calls.filter((c) => c.valid).map((c) => ({ name: c.name, arguments: c.arguments }));
}

/** One side of a pair: the verdict on its answer, or the error that kept it from answering. */
function pairSide(p: {
  variant: string;
  backend: string | null;
  report: ToolCallReport | null;
  error: string | null;
  hasTools: boolean;
  ttftMs: number | null;
  e2eMs: number | null;
}): PairSide {
  const { report, error } = p;
  return {
    variant: p.variant,
    backend: p.backend,
    outcome: error !== null ? 'error' : (report?.outcome ?? 'none'),
    parsed: report !== null && report.outcome !== 'invalid' && report.outcome !== 'none',
    schemaValid: report !== null && (report.outcome === 'valid' || report.outcome === 'repaired'),
    calls: error !== null ? null : sideCalls(report, p.hasTools),
    ttftMs: p.ttftMs,
    e2eMs: p.e2eMs,
    error,
  };
}

function primarySide(ex: Exchange, result: ExchangeResult): PairSide {
  const failed = result.status !== 200 || (result.error !== undefined && result.error.kind !== 'aborted');
  return pairSide({
    variant: ex.variant,
    backend: ex.backend?.name ?? null,
    report: ex.state.get(TOOL_CALLS)?.report ?? null,
    error: failed ? (result.error?.message ?? `status ${result.status}`) : null,
    hasTools: (ex.tools?.length ?? 0) > 0,
    ttftMs: ex.meter?.ttftMs ?? null,
    e2eMs: result.endedAt - ex.receivedAt,
  });
}

function shadowSide(o: ShadowOutcome, hasTools: boolean): PairSide {
  return pairSide({
    variant: o.variant,
    backend: o.backend,
    report: o.report,
    error: o.error,
    hasTools,
    ttftMs: o.ttftMs,
    e2eMs: o.e2eMs,
  });
}
