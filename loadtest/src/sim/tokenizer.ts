// A deterministic, cheap stand-in for Qwen3's BPE tokenizer. It only has to be consistent:
// the same text always yields the same pieces and ids (so equal prefixes give equal token
// prefixes for the prefix cache), pieces concatenate back to the exact text, and counts are in
// the right ballpark (~1 token per short word or punctuation mark).
import { fnv1a } from './hash.js';

export const VOCAB_SIZE = 151_643; // Qwen3's regular (non-special) vocabulary size
const SPECIAL_BASE = VOCAB_SIZE;
const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

// Special tokens | optional space + letters | single digit | newline runs | space runs | any other char.
const PIECE_RE = /<\|[a-z_]+\|>| ?[\p{L}\p{M}]+|\p{N}|\n+|[ \t]+|[\s\S]/gu;
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
  const special = SPECIALS.indexOf(piece);
  if (special >= 0) return SPECIAL_BASE + special;
  return fnv1a(piece) % VOCAB_SIZE;
}

export function tokenize(text: string): number[] {
  return tokenPieces(text).map(pieceId);
}

export function countTokens(text: string): number {
  return tokenPieces(text).length;
}
