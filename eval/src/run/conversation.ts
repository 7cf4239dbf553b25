// One BFCL multi-turn (or memory) conversation, driven the way BFCL's FC inference loop drives it
// (bfcl_eval/model_handler/base_handler.py inference_multi_turn_FC with the OpenAI completions
// handler, model_handler/api_inference/openai_completion.py):
//   for each scripted user turn: a held-out-function turn first adds its functions to the tools and
//   asks "I have updated some more functions…"; then the model is queried step after step — each
//   answer decoded into calls (decode_execute), executed on BFCL's backends in the sidecar, the
//   results sent back as `tool` messages — until an answer has no call (or fails to decode), or the
//   step limit stops the whole conversation (force quit).
import { bfclToOpenAiTools, type OpenAiTool } from '../bfcl/bfcl-data.js';
import { decodeExecute, fcResult, isEmptyExecuteResponse } from '../bfcl/evaluate-entry.js';
import type { BfclSidecar } from '../bfcl/sidecar.js';
import type { StatefulEntry } from '../bfcl/stateful-data.js';
import { chatCompletion, type ClientOptions } from './client.js';
import type { AssistantMessage, RawRecord, StepRecord } from './raw-store.js';

/** bfcl_eval/constants/default_prompts.py MAXIMUM_STEP_LIMIT (checked against the package in eval/test). */
export const MAXIMUM_STEP_LIMIT = 20;
/** default_prompts.py DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC: the user turn of a held-out-function turn. */
export const ADDITIONAL_FUNCTION_PROMPT = 'I have updated some more functions you can choose from. What about now?';

type ChatMessage = { role: string; content: unknown; [k: string]: unknown };

export interface ConversationDeps {
  sidecar: BfclSidecar;
  client: ClientOptions;
  /** Builds the request body for the current history and tools (model, temperature, extra body…). */
  body: (messages: ChatMessage[], tools: OpenAiTool[]) => Record<string, unknown>;
  signal?: AbortSignal;
}

/**
 * The assistant message as it goes back into the history. BFCL appends the SDK's message object;
 * we send its fields that a chat template reads: content, tool_calls and the reasoning (under the
 * input name vLLM accepts, `reasoning_content`).
 */
function historyMessage(m: AssistantMessage): ChatMessage {
  return {
    role: 'assistant',
    content: m.content,
    ...(m.tool_calls && m.tool_calls.length > 0 ? { tool_calls: m.tool_calls } : {}),
    ...(m.reasoning_content ? { reasoning_content: m.reasoning_content } : {}),
  };
}

let sessionCounter = 0;

export async function runConversation(entry: StatefulEntry, deps: ConversationDeps): Promise<RawRecord> {
  const at = new Date().toISOString();
  const session = `run-${++sessionCounter}`;
  const { question } = await deps.sidecar.open(session, entry.category, entry.id, false);
  const functions = [...entry.function];
  let tools = bfclToOpenAiTools(functions, { hint: false }).tools;
  const messages: ChatMessage[] = [];
  const turns: StepRecord[][] = [];
  let forceQuit = false;
  let latency = 0;
  const finish = async (status: RawRecord['status'], error?: RawRecord['error']): Promise<RawRecord> => {
    // A finished prerequisite conversation writes its memory snapshot for the entries that depend on it.
    await deps.sidecar.closeSession(session, status === 'ok');
    return {
      id: entry.id,
      status,
      at,
      latency_ms: Math.round(latency * 10) / 10,
      turns,
      force_quit: forceQuit,
      ...(error ? { error } : {}),
    };
  };
  try {
    for (const [turn, scripted] of question.entries()) {
      let userMessages: ChatMessage[] = scripted;
      const heldOut = entry.missed_function[String(turn)];
      if (heldOut) {
        functions.push(...heldOut);
        tools = bfclToOpenAiTools(functions, { hint: false }).tools;
        userMessages = [{ role: 'user', content: ADDITIONAL_FUNCTION_PROMPT }];
      }
      messages.push(...userMessages);
      const steps: StepRecord[] = [];
      turns.push(steps);
      for (let count = 0; ;) {
        if (deps.signal?.aborted)
          return await finish('error', { message: 'interrupted', type: 'interrupted', code: null });
        const r = await chatCompletion(entry.id, deps.body(messages, tools), deps.client);
        latency += r.latency_ms;
        const step: StepRecord = {
          status: r.status,
          latency_ms: r.latency_ms,
          ...(r.message ? { message: r.message } : {}),
          ...(r.finish_reason !== undefined ? { finish_reason: r.finish_reason } : {}),
          ...(r.usage !== undefined ? { usage: r.usage } : {}),
          ...(r.error ? { error: r.error } : {}),
        };
        steps.push(step);
        // BFCL records the whole entry as "Error during inference" when a request fails; a transport
        // error is kept retryable instead (the conversation is re-run on resume).
        if (r.status !== 'ok' || !r.message) return await finish(r.status === 'ok' ? 'error' : r.status, r.error);
        messages.push(historyMessage(r.message));
        let calls: string[];
        try {
          calls = decodeExecute(fcResult(r.message));
        } catch {
          break; // "Failed to decode the model response. Proceed to next turn."
        }
        if (isEmptyExecuteResponse(calls)) break;
        const executed = await deps.sidecar.exec(session, calls);
        step.calls = calls;
        step.results = executed.results;
        if (executed.blocked.length > 0) step.refused = executed.blocked;
        // _add_execution_results_FC: zip(results, tool_call_ids), one tool message each.
        const ids = (r.message.tool_calls ?? []).map((c) => c.id ?? '');
        executed.results
          .slice(0, ids.length)
          .forEach((content, i) => messages.push({ role: 'tool', content, tool_call_id: ids[i] }));
        count++;
        if (count > MAXIMUM_STEP_LIMIT) {
          forceQuit = true;
          break;
        }
      }
      if (forceQuit) break;
    }
    return await finish('ok');
  } catch (err) {
    await deps.sidecar.closeSession(session).catch(() => undefined);
    throw err;
  }
}
