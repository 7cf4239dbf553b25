// Lenient JSON reading: strict JSON.parse first, then the fixes jsonrepair lacks (invalid escapes,
// concatenated objects, text around the JSON), then jsonrepair itself. Every fix is labelled.
import { jsonrepair } from 'jsonrepair';
import { repairStringEscapes } from './escapes.js';
import { addRepair, type RepairKind } from './repair-kinds.js';

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

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Parses one JSON value leniently; `text` should be just the value (callers cut prose off). */
export function parseLenient(text: string): LenientResult {
  const repairs: RepairKind[] = [];
  const direct = tryParse(text);
  if (direct.ok) return { ok: true, value: direct.value, repairs };
  const { text: escaped, repairs: escapeRepairs } = repairStringEscapes(text);
  if (escaped !== text) {
    for (const k of escapeRepairs) addRepair(repairs, k);
    const again = tryParse(escaped);
    if (again.ok) return { ok: true, value: again.value, repairs };
  }
  try {
    const repaired = jsonrepair(escaped);
    const value: unknown = JSON.parse(repaired);
    addRepair(repairs, 'json_syntax');
    return { ok: true, value, repairs };
  } catch (err) {
    return { ok: false, repairs, error: `unparseable JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Strict parse as the reward spec and vLLM define it: JSON.parse and nothing else. */
export function parseStrict(text: string): { ok: true; value: unknown } | { ok: false } {
  return tryParse(text);
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

/** Canonical JSON (sorted keys) — the identity of schemas and argument objects. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
