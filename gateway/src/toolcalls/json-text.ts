// Lenient JSON reading: strict JSON.parse first, then the fixes jsonrepair lacks (invalid escapes,
// concatenated objects, text around the JSON), then jsonrepair itself. Every fix is labelled.
import { jsonrepair } from 'jsonrepair';
import { repairStringEscapes } from './escapes.js';
import { addRepair, type RepairKind } from './repair-kinds.js';
import { JsonDepthError, MAX_JSON_DEPTH, nestsDeeperThan, parseJson } from './safe-json.js';

export { canonicalJson } from './safe-json.js';

export interface LenientResult {
  ok: boolean;
  value?: unknown;
  repairs: RepairKind[];
  error?: string;
}

/** Position after the JSON value that opens at `start` ('{' or '['), or -1 if it never closes. */
export function scanValueEnd(text: string, start: number): number {
  const r = scanState(text, start, text.length);
  return r.closedAt;
}

export interface ScanState {
  /** Index just past the balanced value, or -1. */
  closedAt: number;
  depth: number;
  inString: boolean;
  /** Last non-whitespace character seen outside strings (or the closing quote). */
  lastSignificant: string;
}

/**
 * String-aware bracket scan from `start` up to `end`. Single quotes open a string only where a value
 * or key may start (after { [ , :), so apostrophes in prose inside a value do not derail it.
 */
export function scanState(text: string, start: number, end: number): ScanState {
  let depth = 0;
  let quote = '';
  let prev = '';
  let last = '';
  for (let i = start; i < end; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') {
        i++;
        continue;
      }
      if (ch === quote) {
        quote = '';
        last = ch;
      }
      continue;
    }
    if (ch === '"' || (ch === "'" && (prev === '{' || prev === '[' || prev === ',' || prev === ':'))) {
      quote = ch;
      prev = ch;
      continue;
    }
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth <= 0) return { closedAt: i + 1, depth: 0, inString: false, lastSignificant: ch };
    }
    if (!/\s/.test(ch)) {
      prev = ch;
      last = ch;
    }
  }
  return { closedAt: -1, depth, inString: quote !== '', lastSignificant: last };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; tooDeep?: true } {
  try {
    return { ok: true, value: parseJson(text) };
  } catch (err) {
    return err instanceof JsonDepthError ? { ok: false, tooDeep: true } : { ok: false };
  }
}

const TOO_DEEP = `JSON nests deeper than ${MAX_JSON_DEPTH} levels`;

/** Parses one JSON value leniently; `text` should be just the value (callers cut prose off). */
export function parseLenient(text: string): LenientResult {
  const repairs: RepairKind[] = [];
  const direct = tryParse(text);
  if (direct.ok) return { ok: true, value: direct.value, repairs };
  // Nothing deeper than the limit reaches jsonrepair (recursive) or the walkers after it.
  if (direct.tooDeep || nestsDeeperThan(text, MAX_JSON_DEPTH)) return { ok: false, repairs, error: TOO_DEEP };
  const { text: escaped, repairs: escapeRepairs } = repairStringEscapes(text);
  if (escaped !== text) {
    for (const k of escapeRepairs) addRepair(repairs, k);
    const again = tryParse(escaped);
    if (again.ok) return { ok: true, value: again.value, repairs };
  }
  try {
    const repaired = jsonrepair(escaped);
    const value: unknown = parseJson(repaired);
    addRepair(repairs, 'json_syntax');
    return { ok: true, value, repairs };
  } catch (err) {
    if (err instanceof JsonDepthError) return { ok: false, repairs, error: TOO_DEEP };
    return { ok: false, repairs, error: `unparseable JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export interface JsonPiece {
  start: number;
  end: number;
  /** True when the value never closed before the end of the text. */
  unclosed: boolean;
}

/** Top-level JSON values ('{' / '[' openings) in `text`, in order, skipping prose between them. */
export function findJsonPieces(text: string, opts: { arrays: boolean } = { arrays: true }): JsonPiece[] {
  const out: JsonPiece[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{' || (opts.arrays && ch === '[')) {
      const end = scanValueEnd(text, i);
      if (end < 0) {
        out.push({ start: i, end: text.length, unclosed: true });
        break;
      }
      out.push({ start: i, end, unclosed: false });
      i = end;
    } else i++;
  }
  return out;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
