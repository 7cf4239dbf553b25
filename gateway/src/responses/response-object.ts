// The Response object's envelope: the request's settings echoed as OpenAI does (MCP headers left
// out), and the usage summed over the response's model calls from their chat usage.
import type { ChatUsage } from './chat-turn.js';
import type { ResponseObject, ResponseUsage } from './protocol.js';
import type { ResponsesRequest } from './request.js';

export function newResponse(req: ResponsesRequest, id: string): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    completed_at: null,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: req.instructions,
    max_output_tokens: req.maxOutputTokens,
    max_tool_calls: req.maxToolCalls,
    metadata: req.metadata,
    model: req.model,
    output: [],
    parallel_tool_calls: req.parallelToolCalls,
    previous_response_id: req.previousResponseId,
    reasoning: req.reasoning ? { effort: req.reasoning.effort ?? null, summary: req.reasoning.summary ?? null } : null,
    service_tier: req.serviceTier,
    store: req.store,
    temperature: req.temperature,
    text: req.text,
    tool_choice: req.toolChoice,
    tools: req.toolsEcho,
    top_p: req.topP,
    truncation: req.truncation,
    usage: null,
    user: req.user,
    background: false,
  };
}

/** Adds one model call's chat usage to the response's. */
export function addUsage(total: ResponseUsage | null, u: ChatUsage | null): ResponseUsage | null {
  if (!u) return total;
  const t = total ?? {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  t.input_tokens += input;
  t.output_tokens += output;
  t.total_tokens += input + output;
  t.input_tokens_details.cached_tokens += u.prompt_tokens_details?.cached_tokens ?? 0;
  t.output_tokens_details.reasoning_tokens += u.completion_tokens_details?.reasoning_tokens ?? 0;
  return t;
}
