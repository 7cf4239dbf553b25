// Backslash repair, one string value at a time. A string with an invalid JSON escape (`\U`, `\d`,
// `\$`) was written verbatim — a Windows path, a regex, LaTeX — so every backslash in it is literal,
// including the ones that happen to look like escapes: `"C:\Users\new\table.txt"` keeps `\n` and `\t`
// as text instead of a newline and a tab. Strings without an invalid escape are left alone, so
// valid JSON (and a string whose only slip is elsewhere) keeps its real escapes.
import type { RepairKind } from './repair-kinds.js';

/** Escapes JSON defines; `\u` only with four hex digits. */
const isValidEscape = (text: string, i: number): boolean => {
  const next = text[i + 1] ?? '';
  if (next !== '' && '"\\/bfnrt'.includes(next)) return true;
  return next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6));
};

/** `\"` and `\'` escape a quote in either quoting style; they never make a string verbatim. */
const isQuoteEscape = (next: string): boolean => next === '"' || next === "'";

/** Index of the quote closing the string opened at `start`, or text.length when it never closes. */
function stringEnd(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

function hasInvalidEscape(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (text[i] !== '\\') continue;
    const next = text[i + 1] ?? '';
    if (next !== '' && !isQuoteEscape(next) && !isValidEscape(text, i)) return true;
    i++;
  }
  return false;
}

/**
 * Rewrites every string of a JSON-ish text that holds an invalid escape so that all its backslashes
 * are literal (quote escapes aside). `bad_escape` when any string was rewritten; `literal_backslashes`
 * when that also kept a valid-looking escape (`\n`, `\t`, `\\`, `\u0041`) as literal text. Single
 * quotes open a string only where a key or value may start (after { [ , :), as in scanState().
 */
export function repairStringEscapes(text: string): { text: string; repairs: RepairKind[] } {
  const repairs: RepairKind[] = [];
  let out = '';
  let prev = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const opens = ch === '"' || (ch === "'" && (prev === '{' || prev === '[' || prev === ',' || prev === ':'));
    if (!opens) {
      if (!/\s/.test(ch)) prev = ch;
      continue;
    }
    const end = stringEnd(text, i, ch);
    if (hasInvalidEscape(text, i + 1, end)) {
      out += text.slice(from, i + 1);
      let literalEscape = false;
      for (let j = i + 1; j < end; j++) {
        const c = text[j]!;
        if (c !== '\\') {
          out += c;
          continue;
        }
        const next = text[j + 1] ?? '';
        if (isQuoteEscape(next)) {
          out += c + next;
          j++;
          continue;
        }
        if (isValidEscape(text, j)) literalEscape = true;
        out += '\\\\';
        if (next === '\\') {
          out += '\\\\';
          j++;
        }
      }
      from = end;
      if (!repairs.includes('bad_escape')) repairs.push('bad_escape');
      if (literalEscape && !repairs.includes('literal_backslashes')) repairs.push('literal_backslashes');
    }
    prev = ch;
    i = end;
  }
  return { text: repairs.length === 0 ? text : out + text.slice(from), repairs };
}
