// The tool-call plugin: admits the request's tool schemas (400 on bad ones), repairs malformed
// tool-call arguments in the incoming history, and checks every response's tool calls with the
// engine in gateway/src/toolcalls, acting on the verdict per policy:
//   off — untouched · annotate — verdict reported, response unchanged · repair — valid/repaired
//   calls as proper tool_calls, invalid ones withheld and reported · retry — repair, then re-ask
//   upstream when invalid · reject — an `invalid_tool_call` error when invalid.
import type { GatewayConfig } from '../../config/schema.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { checkToolCalls, compileTools, repairHistory, type CompiledTools, type OpenAIToolCall, type ToolCallReport, type ToolDef } from '../../toolcalls/index.js';
import { GatewayError, errorBody } from '../errors.js';
import type { Exchange, ExchangePlugin, ExchangeResult } from '../exchange.js';
import { annotationOf, applyToChoice, errorSummary, worstOutcome } from './apply-report.js';
import { resolvePolicy, type ToolCallPolicy } from './policy.js';
import { reask } from './reask.js';
import { createToolCallStreamTransform } from './stream-transform.js';
import { ToolCallDeltas } from '../../upstream/tool-call-deltas.js';

export interface ToolCallState {
  policy: ToolCallPolicy;
  tools: ToolDef[];
  compiled: CompiledTools;
  /** The verdict on the (first) choice, once known. */
  report: ToolCallReport | null;
  /** What the upstream produced for that choice, before any rewrite (for capture). */
  rawOutput: { content: string | null; tool_calls?: unknown } | null;
  retries: number;
}

/** Other plugins (capture, experiments) read the verdict through this. */
export const toolCallStates = new WeakMap<Exchange, ToolCallState>();

export function createToolCallPlugin(cfg: GatewayConfig, metrics: Metrics): ExchangePlugin {
  const tc = cfg.toolcalls;
  const limits = Object.fromEntries(Object.entries(tc.limits).filter(([, v]) => v !== undefined));

  const check = (state: ToolCallState, ex: Exchange, output: { content?: string | null; tool_calls?: unknown; reasoning_content?: unknown }) => {
    const started = performance.now();
    const report = checkToolCalls(state.compiled as never, output as never, { toolChoice: ex.body.tool_choice });
    metrics.toolCallValidation.observe((performance.now() - started) / 1000);
    return report;
  };

  const retryIfInvalid = async (state: ToolCallState, ex: Exchange, report: ToolCallReport, rawText: string): Promise<ToolCallReport> => {
    if (state.policy !== 'retry' || report.outcome !== 'invalid' || !ex.resend) return report;
    const r = await reask({
      body: ex.body,
      tools: state.tools,
      report,
      rawText,
      maxAttempts: tc.retry.maxAttempts,
      deadline: ex.receivedAt + tc.retry.deadlineMs,
      send: ex.resend,
    });
    state.retries = r.attempts;
    metrics.toolCallRetries.inc({ result: r.result });
    return r.report;
  };

  const rejection = (report: ToolCallReport) =>
    new GatewayError(422, `The model produced an invalid tool call: ${errorSummary(report)}`, { code: 'invalid_tool_call', type: 'invalid_response_error' });

  return {
    name: 'toolcalls',

    onRequest(ex) {
      if (ex.endpoint !== 'chat') return;
      const policy = resolvePolicy(tc, ex.model, ex.headers['x-toolgate-policy']);
      if (policy === 'off') return;
      const compiled = compileTools(ex.tools ?? [], { limits });
      if (Array.isArray(ex.body.messages)) {
        const fixed = repairHistory(ex.body.messages);
        const count = fixed.repaired + fixed.unrecoverable;
        if (count > 0) {
          ex.body.messages = fixed.messages;
          ex.bodyChanged = true;
          metrics.historyRepairs.inc(count);
        }
      }
      if (!ex.tools) return;
      toolCallStates.set(ex, { policy, tools: ex.tools as ToolDef[], compiled, report: null, rawOutput: null, retries: 0 });
    },

    async onCompletion(ex, json) {
      const state = toolCallStates.get(ex);
      const choices = json.choices as Array<Record<string, unknown>> | undefined;
      if (!state || !Array.isArray(choices)) return;
      const outcomes: ToolCallReport['outcome'][] = [];
      for (const [i, choice] of choices.entries()) {
        const message = (choice.message ?? {}) as { content?: string | null; tool_calls?: unknown; reasoning_content?: unknown };
        let report = check(state, ex, message);
        if (i === 0) {
          state.rawOutput = { content: message.content ?? null, tool_calls: message.tool_calls };
          report = await retryIfInvalid(state, ex, report, message.content ?? JSON.stringify(message.tool_calls ?? []));
          state.report = report;
        }
        if (state.policy === 'reject' && report.outcome === 'invalid') throw rejection(report);
        if (state.policy !== 'annotate') applyToChoice(choice, report);
        outcomes.push(report.outcome);
      }
      const outcome = worstOutcome(outcomes);
      ex.responseHeaders['x-toolgate-toolcalls'] = outcome;
      json.toolgate = { tool_calls: state.report ? annotationOf({ ...state.report, outcome }, state.policy, state.retries) : { outcome } };
      return json;
    },

    streamTransform(ex) {
      const state = toolCallStates.get(ex);
      if (!state) return null;
      if (state.policy === 'annotate') return annotateOnly(state, ex, check);
      return createToolCallStreamTransform(
        state.tools.map((t) => t.function.name),
        {
          finalize: async (output) => {
            const raw = { content: output.content, tool_calls: output.toolCalls as OpenAIToolCall[] };
            state.rawOutput = raw;
            const report = check(state, ex, { ...raw, reasoning_content: output.reasoning });
            state.report = await retryIfInvalid(state, ex, report, output.content);
            return state.report;
          },
          annotate: (report) => {
            const annotation = annotationOf(report, state.policy, state.retries) as unknown as Record<string, unknown>;
            if (state.policy === 'reject' && report.outcome === 'invalid') {
              const err = rejection(report);
              return { annotation, error: errorBody(err.message, err.type, err.code) as unknown as Record<string, unknown> };
            }
            return { annotation };
          },
          // Only `repair` may send a call before the message ends: retry and reject can still
          // replace or refuse the whole answer.
          ...(state.policy === 'repair'
            ? { checkEarly: (output) => checkToolCalls(state.compiled as never, { content: output.content ?? null, tool_calls: output.toolCalls ?? null } as never, { toolChoice: ex.body.tool_choice }) }
            : {}),
        },
        { holdAll: holdsWholeContent(ex.body.tool_choice) },
      );
    },

    onFinish(ex: Exchange, _result: ExchangeResult) {
      const state = toolCallStates.get(ex);
      if (!state?.report) return;
      metrics.toolCalls.inc({ model: ex.model, variant: ex.variant, role: 'primary', outcome: state.report.outcome });
      for (const kind of state.report.repairs) metrics.toolCallRepairs.inc({ model: ex.model, variant: ex.variant, kind });
    },
  };
}

/** Named or `required` tool_choice: vLLM's output is the call itself (guided JSON), not text. */
function holdsWholeContent(toolChoice: unknown): boolean {
  if (toolChoice === 'required') return true;
  return typeof toolChoice === 'object' && toolChoice !== null && typeof (toolChoice as { function?: { name?: unknown } }).function?.name === 'string';
}

/** annotate in a stream: chunks pass unchanged; the verdict rides on the finish chunk. */
function annotateOnly(state: ToolCallState, ex: Exchange, check: (s: ToolCallState, ex: Exchange, o: { content?: string | null; tool_calls?: unknown }) => ToolCallReport) {
  let content = '';
  const calls = new ToolCallDeltas();
  return {
    chunk(chunk: Record<string, unknown>) {
      const choice = (chunk.choices as Array<Record<string, unknown>> | undefined)?.[0];
      if (!choice) return [chunk];
      const delta = (choice.delta ?? {}) as { content?: string; tool_calls?: unknown };
      if (typeof delta.content === 'string') content += delta.content;
      calls.add(delta.tool_calls);
      if (typeof choice.finish_reason === 'string') {
        const toolCalls = calls.toolCalls();
        state.rawOutput = { content, tool_calls: toolCalls };
        state.report = check(state, ex, { content, tool_calls: toolCalls });
        return [{ ...chunk, toolgate: { tool_calls: annotationOf(state.report, state.policy) } }];
      }
      return [chunk];
    },
    end: () => [],
  };
}
