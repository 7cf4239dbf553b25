// A deterministic, cheap stand-in for Qwen3's BPE tokenizer. It only has to be consistent:
// the same text always yields the same pieces and ids (so equal prefixes give equal token
// prefixes for the prefix cache), pieces concatenate back to the exact text, and counts are in
// the right ballpark (~1 token per short word or punctuation mark). Qwen3's added tokens
// (<think>, <tool_call>, <|im_end|>, ...) are single tokens with Qwen3's ids, as on a real pod:
// vLLM's qwen3 reasoning parser matches <think>/</think>/<tool_call> by token id.
import { fnv1a } from './hash.js';

export const VOCAB_SIZE = 151_643; // Qwen3's regular (non-special) vocabulary size

/**
 * Qwen3's added tokens (tokenizer.json `added_tokens`), in id order from 151643. `special` is
 * the tokenizer's flag: special tokens vanish from the text when vLLM detokenizes with
 * skip_special_tokens (its default); <think>, <tool_call> and the other non-special ones never do.
 */
export const QWEN3_ADDED_TOKENS: ReadonlyArray<{ id: number; content: string; special: boolean }> = [
  ['<|endoftext|>', true],
  ['<|im_start|>', true],
  ['<|im_end|>', true],
  ['<|object_ref_start|>', true],
  ['<|object_ref_end|>', true],
  ['<|box_start|>', true],
  ['<|box_end|>', true],
  ['<|quad_start|>', true],
  ['<|quad_end|>', true],
  ['<|vision_start|>', true],
  ['<|vision_end|>', true],
  ['<|vision_pad|>', true],
  ['<|image_pad|>', true],
  ['<|video_pad|>', true],
  ['<tool_call>', false],
  ['</tool_call>', false],
  ['<|fim_prefix|>', false],
  ['<|fim_middle|>', false],
  ['<|fim_suffix|>', false],
  ['<|fim_pad|>', false],
  ['<|repo_name|>', false],
  ['<|file_sep|>', false],
  ['<tool_response>', false],
  ['</tool_response>', false],
  ['<think>', false],
  ['</think>', false],
].map(([content, special], i) => ({ id: VOCAB_SIZE + i, content: content as string, special: special as boolean }));

/** Qwen3's end-of-turn token: generation stops on it (finish_reason "stop"). */
export const EOS_TOKEN = '<|im_end|>';

const ADDED_ID = new Map(QWEN3_ADDED_TOKENS.map((t) => [t.content, t.id]));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Added tokens | optional space + letters | single digit | newline runs | space runs | any other char.
const PIECE_RE = new RegExp(
  `${[...ADDED_ID.keys()].map(escapeRe).join('|')}| ?[\\p{L}\\p{M}]+|\\p{N}|\\n+|[ \\t]+|[\\s\\S]`,
  'gu',
);
const MAX_WORD_LETTERS = 8; // common words are one token; longer ones split every 4 characters, like BPE does

/** Splits text into token pieces whose concatenation is exactly `text`. */
export function tokenPieces(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PIECE_RE)) {
    const piece = m[0];
    const letters = piece.startsWith(' ') ? piece.length - 1 : piece.length;
    if (letters <= MAX_WORD_LETTERS || !/\p{L}/u.test(piece.trimStart()[0] ?? '')) {
      out.push(piece);
      continue;
    }
    const lead = piece.startsWith(' ') ? 5 : 4;
    out.push(piece.slice(0, lead));
    for (let i = lead; i < piece.length; i += 4) out.push(piece.slice(i, i + 4));
  }
  return out;
}

export function pieceId(piece: string): number {
  return ADDED_ID.get(piece) ?? fnv1a(piece) % VOCAB_SIZE;
}

export function tokenize(text: string): number[] {
  return tokenPieces(text).map(pieceId);
}

export function countTokens(text: string): number {
  return tokenPieces(text).length;
}
