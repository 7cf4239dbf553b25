// Shadow traffic: a copy of a primary request sent to another variant, fire-and-forget. Runs
// detached from the client's response, bounded in concurrency (overflow is dropped and counted),
// reads the shadow's answer to the end, and judges its tool calls with the same engine.
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import type { Router } from '../routing/router.js';
import type { Pool } from '../routing/pool.js';
import { dispatch } from '../upstream/dispatch.js';
import { ResponseMeter } from '../upstream/response-meter.js';
import { SseSplitter } from '../upstream/sse.js';
import { ToolCallDeltas } from '../upstream/tool-call-deltas.js';
import { checkToolCalls, type ToolCallReport, type ToolDef } from '../toolcalls/index.js';

export interface ShadowOutcome {
  variant: string;
  backend: string | null;
  report: ToolCallReport | null;
  error: string | null;
  ttftMs: number | null;
  e2eMs: number | null;
}

export interface ShadowJob {
  model: string;
  variant: string;
  pool: Pool;
  upstreamModel: string;
  body: Record<string, unknown>;
  stream: boolean;
  tools: ToolDef[] | null;
}

export class ShadowRunner {
  private inflight = 0;

  constructor(
    private readonly router: Router,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: { maxConcurrent: number; timeoutMs: number; idleMs: number; firstTokenMs: number },
  ) {}

  /** Starts the shadow request, or returns null when the concurrency bound is reached (dropped). */
  start(job: ShadowJob): Promise<ShadowOutcome> | null {
    if (this.inflight >= this.opts.maxConcurrent) {
      this.metrics.shadowRequests.inc({ model: job.model, variant: job.variant, result: 'dropped_overflow' });
      return null;
    }
    this.inflight++;
    this.metrics.shadowRequests.inc({ model: job.model, variant: job.variant, result: 'sent' });
    return this.run(job)
      .catch((err: unknown): ShadowOutcome => ({ variant: job.variant, backend: null, report: null, error: String((err as Error)?.message ?? err), ttftMs: null, e2eMs: null }))
      .then((outcome) => {
        this.metrics.shadowRequests.inc({ model: job.model, variant: job.variant, result: outcome.error ? 'failed' : 'completed' });
        if (outcome.error) this.log.debug('shadow request failed', { model: job.model, variant: job.variant, error: outcome.error });
        return outcome;
      })
      .finally(() => this.inflight--);
  }

  get active(): number {
    return this.inflight;
  }

  private async run(job: ShadowJob): Promise<ShadowOutcome> {
    const started = performance.now();
    const meter = new ResponseMeter(started, this.metrics, { model: job.model, variant: job.variant, role: 'shadow' });
    const pick = this.router.pick(job.pool, { model: job.model, body: job.body, headers: {}, exclude: new Set() });
    if (!pick) return { variant: job.variant, backend: null, report: null, error: 'no healthy backend for the shadow variant', ttftMs: null, e2eMs: null };
    const backend = pick.backend;
    const body = { ...job.body, model: job.upstreamModel, stream: job.stream, ...(job.stream ? { stream_options: { include_usage: true } } : {}) };
    const res = await dispatch(backend, {
      path: '/v1/chat/completions',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-toolgate-shadow': '1' },
      signal: AbortSignal.timeout(this.opts.timeoutMs),
      firstByteMs: this.opts.firstTokenMs,
      idleMs: this.opts.idleMs,
    });
    const fail = (error: string): ShadowOutcome => ({ variant: job.variant, backend: backend.name, report: null, error, ttftMs: meter.ttftMs, e2eMs: performance.now() - started });
    if (!res.ok) return fail(res.message);
    if (res.status !== 200) {
      await res.body.dump().catch(() => undefined);
      return fail(`shadow upstream answered ${res.status}`);
    }
    let content = '';
    const calls = new ToolCallDeltas();
    if (job.stream) {
      const splitter = new SseSplitter();
      for await (const chunk of res.body) {
        for (const ev of splitter.push(chunk)) {
          if (!ev.data || ev.data.trim() === '[DONE]') continue;
          const parsed = JSON.parse(ev.data) as { choices?: Array<{ delta?: { content?: string; tool_calls?: unknown } }> };
          meter.onChunk(parsed, performance.now());
          const d = parsed.choices?.[0]?.delta;
          if (typeof d?.content === 'string') content += d.content;
          calls.add(d?.tool_calls);
        }
      }
    } else {
      const json = JSON.parse(await res.body.text()) as { choices?: Array<{ message?: { content?: string | null; tool_calls?: Array<Record<string, unknown>> } }> };
      meter.onChunk(json, performance.now());
      meter.onToken(performance.now());
      const m = json.choices?.[0]?.message;
      content = m?.content ?? '';
      calls.add((m?.tool_calls ?? []).map((t, index) => ({ ...t, index })));
    }
    meter.finish(performance.now());
    const toolCalls = calls.toolCalls();
    const report = job.tools ? checkToolCalls(job.tools, { content, tool_calls: toolCalls }, { toolChoice: job.body.tool_choice }) : null;
    if (report) this.metrics.toolCalls.inc({ model: job.model, variant: job.variant, role: 'shadow', outcome: report.outcome });
    return { variant: job.variant, backend: backend.name, report, error: null, ttftMs: meter.ttftMs, e2eMs: performance.now() - started };
  }
}
