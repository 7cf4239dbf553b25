// Measures prompt length in tokens: the target's vLLM `/tokenize` (chat form, so the template
// and the tool list are counted as the engine sees them) when it answers, else an estimate.
import { request } from 'undici';
import type { ChatPrompt } from './prompts.js';

export interface TokenCounter {
  method: 'tokenize' | 'estimate';
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
export async function tokenizeCount(baseUrl: string, model: string, prompt: ChatPrompt, headers: Record<string, string> = {}): Promise<number | null> {
  try {
    const res = await request(`${baseUrl}/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: prompt.messages, tools: prompt.tools, add_generation_prompt: true }),
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

/** A counter backed by `/tokenize` when a probe succeeds, else the estimate. */
export async function createTokenCounter(baseUrl: string, model: string, probe: ChatPrompt, headers: Record<string, string> = {}): Promise<TokenCounter> {
  const first = await tokenizeCount(baseUrl, model, probe, headers);
  if (first === null) return estimateCounter;
  return {
    method: 'tokenize',
    count: async (p) => (await tokenizeCount(baseUrl, model, p, headers)) ?? estimateTokens(p),
  };
}
