// The strict (no-repair) view of a raw Qwen3 output, exactly as docs/reward-spec.md defines it.
// GRPO must learn the exact format, so nothing the gateway could repair counts here.
import { isPlainObject } from './json-text.js';
import { JsonDepthError, parseJson } from './safe-json.js';

export interface StrictCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type StrictParse = { ok: true; calls: StrictCall[] } | { ok: false; calls: []; error: string };

const countOf = (text: string, needle: string): number => text.split(needle).length - 1;

export function strictParse(raw: string): StrictParse {
  let text = raw;
  if (text.includes('<think>')) {
    const end = text.indexOf('</think>');
    if (end < 0) return { ok: false, calls: [], error: '<think> without </think>' };
    text = text.slice(end + '</think>'.length);
  }
  const opens = countOf(text, '<tool_call>');
  const closes = countOf(text, '</tool_call>');
  if (opens !== closes) return { ok: false, calls: [], error: `${opens} <tool_call> but ${closes} </tool_call>` };
  const calls: StrictCall[] = [];
  for (const m of text.matchAll(/<tool_call>([\s\S]*?)<\/tool_call>/g)) {
    let value: unknown;
    try {
      value = parseJson(m[1]!.trim());
    } catch (err) {
      if (err instanceof JsonDepthError) return { ok: false, calls: [], error: `tool call ${calls.length + 1} ${err.message}` };
      return { ok: false, calls: [], error: `tool call ${calls.length + 1} is not strict JSON` };
    }
    if (!isPlainObject(value)) return { ok: false, calls: [], error: `tool call ${calls.length + 1} is not a JSON object` };
    const keys = Object.keys(value).sort();
    if (keys.length !== 2 || keys[0] !== 'arguments' || keys[1] !== 'name') {
      return { ok: false, calls: [], error: `tool call ${calls.length + 1} must have exactly the keys "name" and "arguments"` };
    }
    if (typeof value.name !== 'string') return { ok: false, calls: [], error: `tool call ${calls.length + 1}: "name" is not a string` };
    if (!isPlainObject(value.arguments)) return { ok: false, calls: [], error: `tool call ${calls.length + 1}: "arguments" is not an object` };
    calls.push({ name: value.name, arguments: value.arguments });
  }
  return { ok: true, calls };
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
