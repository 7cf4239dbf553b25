// The bodies vLLM 0.33 writes for /v1/chat/completions, built from a response plan: the whole
// ChatCompletionResponse (serialised with every field, nulls included) and the stream's chunks
// (serialised exclude_unset), as entrypoints/openai/chat_completion/serving.py builds them.
// Pure: the HTTP handler only decides when each piece goes out.
import type { ResponsePlan } from './response-plan.js';
import { ChatStreamParser, parseWhole, reasoningTokens, type ParseConfig } from './vllm-chat-parser.js';

export interface ChunkMeta {
  id: string;
  created: number;
  model: string;
}

/** Engine steps: one per output token, plus the stop token's (it has no text). */
export function stepCount(plan: ResponsePlan): number {
  return plan.pieces.length + (plan.eos ? 1 : 0);
}

/** UsageInfo; with a reasoning parser vLLM adds completion_tokens_details.reasoning_tokens. */
export function usageInfo(plan: ResponsePlan, completion: number, reasoning: number | null) {
  return {
    prompt_tokens: plan.promptIds.length,
    total_tokens: plan.promptIds.length + completion,
    completion_tokens: completion,
    ...(reasoning !== null ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
  };
}

function reasoningCount(parse: ParseConfig | null, pieces: string[]): number | null {
  return parse?.reasoningParser ? reasoningTokens(pieces, parse) : null;
}

/** chat_completion_full_generator's response. */
export function chatCompletionBody(plan: ResponsePlan, meta: ChunkMeta, makeToolId: (i: number) => string) {
  const { message, finishReason } = parseWhole(plan.texts.join(''), plan.parse!, plan.finishReason, makeToolId);
  const reasoning = reasoningCount(plan.parse, plan.pieces);
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: finishReason,
        stop_reason: null,
        token_ids: null,
        routed_experts: null,
        weight_versions: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: {
      ...usageInfo(plan, stepCount(plan), null),
      prompt_tokens_details: null,
      completion_tokens_details: reasoning === null ? null : { reasoning_tokens: reasoning },
    },
    prompt_logprobs: null,
    prompt_token_ids: null,
    prompt_text: null,
    kv_transfer_params: null,
    ec_transfer_params: null,
    metrics: null,
  };
}

export interface ChatStreamChunks {
  /** Sent when the first output token is out. */
  role: Record<string, unknown>;
  /** Per engine step: its chunk, or null when vLLM sends none for it; the last one carries finish_reason. */
  steps: Array<Record<string, unknown> | null>;
  /** stream_options.include_usage: the closing chunk with no choices. */
  usage: Record<string, unknown>;
}

/** chat_completion_stream_generator's chunks, one ChatStreamProcessor.step per engine step. */
export function chatStreamChunks(
  plan: ResponsePlan,
  meta: ChunkMeta,
  makeToolId: (i: number) => string,
  continuousUsage: boolean,
): ChatStreamChunks {
  const n = stepCount(plan);
  const parser = new ChatStreamParser(plan.parse!, makeToolId);
  // Reasoning tokens so far, for continuous usage stats (the parser counts as it goes).
  const reasoningSoFar =
    plan.parse?.reasoningParser && continuousUsage
      ? Array.from({ length: n + 1 }, (_, i) => reasoningTokens(plan.pieces.slice(0, i), plan.parse!))
      : null;
  const chunk = (choice: Record<string, unknown>, generated: number, extra: Record<string, unknown>) => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [choice],
    ...(continuousUsage
      ? {
          usage: usageInfo(
            plan,
            generated,
            reasoningSoFar ? reasoningSoFar[Math.min(generated, plan.pieces.length)]! : null,
          ),
        }
      : {}),
    ...extra,
  });
  const steps = Array.from({ length: n }, (_, i) => {
    const last = i === n - 1;
    const { delta, finishReason } = parser.step(plan.texts[i] ?? '', last ? plan.finishReason : null);
    if (!last)
      return delta === null
        ? null
        : chunk({ index: 0, delta, logprobs: null, finish_reason: null, token_ids: null }, i + 1, {
            kv_transfer_params: null,
          });
    return chunk(
      {
        index: 0,
        delta: delta ?? {},
        logprobs: null,
        finish_reason: finishReason,
        stop_reason: null,
        token_ids: null,
        weight_versions: null,
      },
      n,
      { kv_transfer_params: null },
    );
  });
  return {
    role: chunk({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }, 0, {
      prompt_token_ids: null,
      prompt_text: null,
    }),
    steps,
    usage: {
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      choices: [],
      usage: usageInfo(plan, n, reasoningCount(plan.parse, plan.pieces)),
    },
  };
}
