// Measures prompt length in tokens, best source first: the target's vLLM `/tokenize` (chat form,
// so the template and the tool list are counted as the engine sees them); else `usage.
// prompt_tokens` of a one-token completion (a gateway that does not expose /tokenize still
// reports what the engine counted); else an estimate.
import { request } from 'undici';
import type { ChatPrompt } from './prompts.js';

export interface TokenCounter {
  method: 'tokenize' | 'usage' | 'estimate';
  count(prompt: ChatPrompt): Promise<number>;
}

// Qwen-family BPE averages close to 4 characters per token on English text and JSON; the chat
// template adds a few tokens per turn and about 100 for the tool-use preamble.
export function estimateTokens(prompt: ChatPrompt): number {
  let chars = 0;
  for (const m of prompt.messages) chars += m.content.length;
  let tokens = Math.ceil(chars / 4) + 5 * prompt.messages.length + 3;
  if (prompt.tools?.length) tokens += 100 + Math.ceil(JSON.stringify(prompt.tools).length / 3.5);
  return tokens;
}

export const estimateCounter: TokenCounter = { method: 'estimate', count: async (p) => estimateTokens(p) };

/** POST {base}/tokenize; returns the count or null when the endpoint is missing or refuses. */
export async function tokenizeCount(
  baseUrl: string,
  model: string,
  prompt: ChatPrompt,
  headers: Record<string, string> = {},
): Promise<number | null> {
  try {
    const res = await request(`${baseUrl}/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      // Same template arguments as the load requests, so the count is what the engine prefills.
      body: JSON.stringify({
        model,
        messages: prompt.messages,
        tools: prompt.tools,
        add_generation_prompt: true,
        chat_template_kwargs: { enable_thinking: false },
      }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return null;
    const body = JSON.parse(text) as { count?: unknown; tokens?: unknown };
    if (typeof body.count === 'number') return body.count;
    if (Array.isArray(body.tokens)) return body.tokens.length;
    return null;
  } catch {
    return null;
  }
}

/** `usage.prompt_tokens` of a non-streamed, one-token completion; null when unavailable. */
export async function usageCount(
  baseUrl: string,
  model: string,
  prompt: ChatPrompt,
  headers: Record<string, string> = {},
): Promise<number | null> {
  try {
    const res = await request(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        model,
        messages: prompt.messages,
        tools: prompt.tools,
        max_tokens: 1,
        temperature: 0,
        chat_template_kwargs: { enable_thinking: false },
      }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return null;
    const n = (JSON.parse(text) as { usage?: { prompt_tokens?: unknown } }).usage?.prompt_tokens;
    return typeof n === 'number' ? n : null;
  } catch {
    return null;
  }
}

/** The best counter the target supports, chosen by probing once. */
export async function createTokenCounter(
  baseUrl: string,
  model: string,
  probe: ChatPrompt,
  headers: Record<string, string> = {},
): Promise<TokenCounter> {
  if ((await tokenizeCount(baseUrl, model, probe, headers)) !== null) {
    return {
      method: 'tokenize',
      count: async (p) => (await tokenizeCount(baseUrl, model, p, headers)) ?? estimateTokens(p),
    };
  }
  if ((await usageCount(baseUrl, model, probe, headers)) !== null) {
    return { method: 'usage', count: async (p) => (await usageCount(baseUrl, model, p, headers)) ?? estimateTokens(p) };
  }
  return estimateCounter;
}
