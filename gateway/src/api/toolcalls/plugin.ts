// The tool-call plugin: admits the request's tool schemas (400 on bad ones), repairs malformed
// tool-call arguments in the incoming history, asks the pod for the model's raw text when the
// gateway owns the parse (parse-mode.ts) — or for guided JSON when it serves a forced tool_choice
// the pods cannot (forced-choice.ts) — and reads every answer — streamed or whole, primary or
// shadow — through one transform (tool-call-transform.ts) judged per policy (judges.ts):
//   off — untouched · annotate — calls as vLLM's hermes parser reads them, verdict reported ·
//   repair — valid and repaired calls sent, the text of the rest returned as content · retry —
//   repair, and re-ask upstream for invalid calls first (the default) · reject — an
//   `invalid_tool_call` error (HTTP 422 while the response has not started) when invalid.
import type { GatewayConfig } from '../../config/schema.js';
import type { Metrics } from '../../telemetry/metrics.js';
import {
  checkToolCalls,
  compileToolsOffThread,
  repairHistory,
  type CompiledTools,
  type ToolCallReport,
  type ToolDef,
} from '../../toolcalls/index.js';
import { GatewayError } from '../errors.js';
import type { Exchange, ExchangePlugin } from '../exchange.js';
import { annotationOf, errorSummary, worstOutcome } from './annotation.js';
import { checkedJudge, hermesJudge, type CheckedJudgeContext, type JudgeContext } from './judges.js';
import { guidedCalls, isForcedChoice } from './forced-choice.js';
import { parsePlan } from './parse-mode.js';
import { resolvePolicy } from './policy.js';
import { reask } from './reask.js';
import { TOOL_CALLS, type ToolCallState } from './state.js';
import { createToolCallTransform } from './tool-call-transform.js';

export function createToolCallPlugin(cfg: GatewayConfig, metrics: Metrics): ExchangePlugin {
  const tc = cfg.toolcalls;
  const limits = Object.fromEntries(Object.entries(tc.limits).filter(([, v]) => v !== undefined));

  const check = (state: ToolCallState, output: Parameters<JudgeContext['check']>[0]): ToolCallReport => {
    const started = performance.now();
    const report = checkToolCalls(state.compiled, output, { toolChoice: state.toolChoice, guided: state.guided });
    metrics.toolCallValidation.observe((performance.now() - started) / 1000);
    return report;
  };

  const judgeContext = (ex: Exchange, state: ToolCallState): JudgeContext => ({
    check: (output) => check(state, output),
    onVerdict(index, report, raw) {
      state.reports.set(index, report);
      if (index === 0) {
        state.report = report;
        state.rawOutput = raw;
      }
      ex.responseHeaders['x-toolgate-toolcalls'] = worstOutcome([...state.reports.values()].map((r) => r.outcome));
    },
    annotation: (report) => annotationOf(report, state.policy, state.retries) as unknown as Record<string, unknown>,
    singleCall: ex.body.parallel_tool_calls === false,
    readGuided: state.guided ? (content: string) => guidedCalls(content, state.toolChoice) : undefined,
  });

  return {
    name: 'toolcalls',

    async onRequest(ex) {
      if (ex.endpoint !== 'chat') return;
      const policy = resolvePolicy(tc, ex.model, ex.headers['x-toolgate-policy']);
      if (policy === 'off') return;
      // Schemas are admitted and compiled off the event loop, within a time and memory budget.
      const compiled = await compileToolsOffThread(ex.tools ?? [], { limits });
      if (Array.isArray(ex.body.messages)) {
        const fixed = repairHistory(ex.body.messages);
        const count = fixed.repaired + fixed.unrecoverable;
        if (count > 0) {
          ex.setBodyField('messages', fixed.messages);
          metrics.historyRepairs.inc(count);
        }
      }
      if (!ex.tools) return;
      ex.state.set(TOOL_CALLS, newState(policy, ex.tools as ToolDef[], compiled, ex.body.tool_choice));
    },

    onDispatch(ex) {
      const state = ex.state.get(TOOL_CALLS);
      if (!state) return;
      const plan = parsePlan(ex.route!.pool, ex.body, state.tools);
      state.parse = plan.parse;
      state.guided = plan.guided !== null;
      // The pod renders the tools into the prompt but applies no tool parser: the model's text
      // reaches the gateway whole, streamed or not (docs/vllm-tool-parsing.md).
      if (state.parse === 'gateway') ex.setUpstreamField('tool_choice', 'none');
      // A forced choice the pod cannot serve: its output is guided to the call's JSON instead.
      if (plan.guided) ex.setUpstreamField('structured_outputs', { json: plan.guided });
    },

    answer(ex) {
      const state = ex.state.get(TOOL_CALLS);
      if (!state || state.toolChoice === 'none') return null;
      // One context object per answer, extended in place (a spread into a new one takes V8's slow path).
      const ctx: CheckedJudgeContext = judgeContext(ex, state);
      if (state.policy === 'retry' && ex.resend) {
        const send = ex.resend;
        ctx.reask = async (report, rawText) => {
          const r = await reask({
            // asked as the answer was: the same upstream-only fields (parse mode, guided JSON)
            body: ex.upstreamBody(),
            toolChoice: state.toolChoice,
            guided: state.guided,
            tools: state.tools,
            report,
            rawText,
            maxAttempts: tc.retry.maxAttempts,
            deadline: ex.receivedAt + tc.retry.deadlineMs,
            send,
          });
          state.retries += r.attempts;
          metrics.toolCallRetries.inc({ result: r.result });
          return r.report;
        };
      }
      if (state.policy === 'reject') ctx.refuse = rejection;
      const judge = state.policy === 'annotate' ? hermesJudge(ctx) : checkedJudge(ctx);
      return createToolCallTransform(judge, {
        resolver: state.compiled.resolver,
        // Named or `required`: a guided answer is the call itself (bare JSON), not text.
        holdAll: isForcedChoice(state.toolChoice),
        holdUntilCommit: state.policy === 'reject',
      });
    },

    onFinish(ex) {
      const state = ex.state.get(TOOL_CALLS);
      if (!state?.report) return;
      metrics.toolCalls.inc({ model: ex.model, variant: ex.variant, role: ex.role, outcome: state.report.outcome });
      for (const kind of state.report.repairs)
        metrics.toolCallRepairs.inc({ model: ex.model, variant: ex.variant, kind });
    },
  };
}

/** Fresh tool-call state for an exchange (a shadow copy gets its own, from the same request). */
export function newState(
  policy: ToolCallState['policy'],
  tools: ToolDef[],
  compiled: CompiledTools,
  toolChoice: unknown,
): ToolCallState {
  return {
    policy,
    tools,
    compiled,
    toolChoice,
    parse: 'pod',
    guided: false,
    report: null,
    reports: new Map(),
    rawOutput: null,
    retries: 0,
  };
}

const rejection = (report: ToolCallReport) =>
  new GatewayError(422, `The model produced an invalid tool call: ${errorSummary(report)}`, {
    code: 'invalid_tool_call',
    type: 'invalid_response_error',
  });
