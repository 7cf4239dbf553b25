// The strict (no-repair) views of a raw Qwen3 output that the reward judges: `readOutput` is
// version 2 of docs/reward-spec.md (§1), `strictParse` version 1 (docs/reward-spec-v1.md).
// GRPO must learn the exact format, so nothing the gateway could repair counts here.
import { isPlainObject } from './json-text.js';
import { JsonDepthError, parseJson } from './safe-json.js';

export interface StrictCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type StrictParse = { ok: true; calls: StrictCall[] } | { ok: false; calls: []; error: string };

/** Spec v2 §1: the reasoning, the calls and the text outside them, or why the read failed. */
export type OutputRead =
  | {
      ok: true;
      calls: StrictCall[];
      /** Text of the leading <think> block; null when the output does not open with one. */
      reasoning: string | null;
      /** The visible part with every call block removed. */
      outside: string;
    }
  | { ok: false; calls: []; reasoning: null; outside: ''; error: string };

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const CALL_OPEN = '<tool_call>';
const CALL_CLOSE = '</tool_call>';
const CALL_BLOCK = /<tool_call>([\s\S]*?)<\/tool_call>/g;
/** JSON whitespace only: no-break and zero-width spaces or a BOM are text (spec v2). */
const JSON_WS_EDGES = /^[ \t\n\r]+|[ \t\n\r]+$/g;

const countOf = (text: string, needle: string): number => text.split(needle).length - 1;

export const trimJsonWhitespace = (s: string): string => s.replace(JSON_WS_EDGES, '');

export const isBlank = (s: string): boolean => /^[ \t\n\r]*$/.test(s);

function hasNonFiniteNumber(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonFiniteNumber);
  if (isPlainObject(v)) return Object.values(v).some(hasNonFiniteNumber);
  return false;
}

/** One block body → a call, or the reason it is not one. */
function readCall(body: string, n: number, trim: (s: string) => string, finiteOnly: boolean): StrictCall | string {
  let value: unknown;
  try {
    value = parseJson(trim(body));
  } catch (err) {
    if (err instanceof JsonDepthError) return `tool call ${n} ${err.message}`;
    return `tool call ${n} is not strict JSON`;
  }
  // JSON.parse reads 1e400 as Infinity; Python's json.loads as inf. Neither is a JSON number.
  if (finiteOnly && hasNonFiniteNumber(value)) return `tool call ${n} has a number beyond the range of a double`;
  if (!isPlainObject(value)) return `tool call ${n} is not a JSON object`;
  const keys = Object.keys(value).sort();
  if (keys.length !== 2 || keys[0] !== 'arguments' || keys[1] !== 'name') {
    return `tool call ${n} must have exactly the keys "name" and "arguments"`;
  }
  if (typeof value.name !== 'string') return `tool call ${n}: "name" is not a string`;
  if (!isPlainObject(value.arguments)) return `tool call ${n}: "arguments" is not an object`;
  return { name: value.name, arguments: value.arguments };
}

function readBlocks(
  text: string,
  trim: (s: string) => string,
  finiteOnly: boolean,
): { calls: StrictCall[] } | { error: string } {
  const opens = countOf(text, CALL_OPEN);
  const closes = countOf(text, CALL_CLOSE);
  if (opens !== closes) return { error: `${opens} <tool_call> but ${closes} </tool_call>` };
  const calls: StrictCall[] = [];
  for (const m of text.matchAll(CALL_BLOCK)) {
    const call = readCall(m[1]!, calls.length + 1, trim, finiteOnly);
    if (typeof call === 'string') return { error: call };
    calls.push(call);
  }
  return { calls };
}

/** Spec v2 §1. */
export function readOutput(raw: string): OutputRead {
  const fail = (error: string): OutputRead => ({ ok: false, calls: [], reasoning: null, outside: '', error });
  let visible = raw;
  let reasoning: string | null = null;
  const lead = raw.length - raw.replace(/^[ \t\n\r]+/, '').length;
  if (raw.startsWith(THINK_OPEN, lead)) {
    const end = raw.indexOf(THINK_CLOSE, lead + THINK_OPEN.length);
    if (end < 0) return fail('<think> without </think>');
    reasoning = raw.slice(lead + THINK_OPEN.length, end);
    visible = raw.slice(end + THINK_CLOSE.length);
  }
  const blocks = readBlocks(visible, trimJsonWhitespace, true);
  if ('error' in blocks) return fail(blocks.error);
  const outside = visible.replace(CALL_BLOCK, '');
  if (outside.includes(CALL_OPEN) || outside.includes(CALL_CLOSE)) return fail('<tool_call> tags out of order');
  return { ok: true, calls: blocks.calls, reasoning, outside };
}

/** Spec v1's strict parse (kept for `version: 1`). */
export function strictParse(raw: string): StrictParse {
  let text = raw;
  if (text.includes(THINK_OPEN)) {
    const end = text.indexOf(THINK_CLOSE);
    if (end < 0) return { ok: false, calls: [], error: '<think> without </think>' };
    text = text.slice(end + THINK_CLOSE.length);
  }
  const blocks = readBlocks(text, (s) => s.trim(), false);
  return 'error' in blocks ? { ok: false, calls: [], error: blocks.error } : { ok: true, calls: blocks.calls };
}

/** JSON equality: numbers by value, objects regardless of key order, arrays in order, no cross-type equality. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}
