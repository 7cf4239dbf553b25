// Builds, per context length, a pool of distinct prompts whose measured length hits the target.
// The padding is sized by secant steps on the word count (a handful of /tokenize calls per
// variant); small targets drop tools until the unpadded prompt fits.
import { createRng } from './rng.js';
import { buildPrompt, fillerWords, TOOLS, type ChatPrompt } from './prompts.js';
import type { TokenCounter } from './token-counter.js';

export interface SizedPrompt {
  prompt: ChatPrompt;
  tokens: number;
}

export interface PromptPool {
  contextTokens: number;
  prompts: SizedPrompt[];
  /** Mean measured length. */
  meanTokens: number;
  /** Fewest tools any prompt carries (small contexts drop tools to fit). */
  minTools: number;
}

export async function buildPromptPool(
  contextTokens: number,
  variants: number,
  counter: TokenCounter,
  opts: { seed: number; tools: boolean },
): Promise<PromptPool> {
  const prompts: SizedPrompt[] = [];
  for (let v = 0; v < variants; v++) {
    const rng = createRng(opts.seed * 7919 + contextTokens * 31 + v);
    // Generous filler: ~1 token per word at worst, so this always covers the target.
    const filler = fillerWords(rng, contextTokens + 64);
    prompts.push(await fitVariant(v, filler, contextTokens, counter, opts.tools));
  }
  const meanTokens = prompts.reduce((s, p) => s + p.tokens, 0) / Math.max(1, prompts.length);
  const minTools = Math.min(...prompts.map((p) => p.prompt.tools?.length ?? 0));
  return { contextTokens, prompts, meanTokens, minTools };
}

async function fitVariant(
  variant: number,
  filler: string[],
  target: number,
  counter: TokenCounter,
  tools: boolean,
): Promise<SizedPrompt> {
  let toolCount = tools ? TOOLS.length : 0;
  let base = await counter.count(buildPrompt(variant, filler, 0, toolCount));
  // Keep at least 10 % of the context for padding. Qwen3's tool preamble alone is ~300 tokens,
  // so the smallest contexts (256) can only be plain chat: tools are dropped down to none.
  while (toolCount > 0 && base > target * 0.9) {
    toolCount--;
    base = await counter.count(buildPrompt(variant, filler, 0, toolCount));
  }
  if (base >= target) return { prompt: buildPrompt(variant, filler, 0, toolCount), tokens: base };

  let lo = { words: 0, tokens: base };
  let words = Math.min(filler.length, Math.round((target - base) / 1.3));
  let best = lo;
  for (let step = 0; step < 6; step++) {
    const tokens = await counter.count(buildPrompt(variant, filler, words, toolCount));
    const cur = { words, tokens };
    if (Math.abs(tokens - target) < Math.abs(best.tokens - target)) best = cur;
    if (tokens === target) break;
    const slope = cur.words !== lo.words ? (cur.tokens - lo.tokens) / (cur.words - lo.words) : 1.3;
    const next = Math.max(
      0,
      Math.min(filler.length, Math.round(words + (target - tokens) / (slope > 0 ? slope : 1.3))),
    );
    lo = cur;
    if (next === words) break;
    words = next;
  }
  // Never exceed the target when a shorter fit exists: the context length is a budget.
  if (best.tokens > target && best.words > 0) {
    for (let w = best.words - 1; w >= 0 && best.words - w <= 8; w--) {
      const tokens = await counter.count(buildPrompt(variant, filler, w, toolCount));
      best = { words: w, tokens };
      if (tokens <= target) break;
    }
  }
  return { prompt: buildPrompt(variant, filler, best.words, toolCount), tokens: best.tokens };
}
