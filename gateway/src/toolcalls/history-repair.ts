// History repair: an assistant turn in `messages` whose tool_calls[].function.arguments is not a
// JSON object string makes vLLM answer 400 for the whole conversation. Repair the arguments the
// same way live output is repaired so the agent's conversation can go on. Input is never mutated.
import { isPlainObject, parseLenient } from './json-text.js';

export interface HistoryRepairResult {
  messages: unknown[];
  /** Arguments strings rewritten to valid JSON (syntax repaired, or an object sent unencoded). */
  repaired: number;
  /** Arguments that could not be read at all and were replaced by "{}" (reported, not hidden). */
  unrecoverable: number;
}

function fixArguments(args: unknown): { value: string; kind: 'ok' | 'repaired' | 'unrecoverable' } {
  if (typeof args === 'string') {
    try {
      if (isPlainObject(JSON.parse(args))) return { value: args, kind: 'ok' };
    } catch {
      /* repaired below */
    }
    const parsed = parseLenient(args.trim() === '' ? '{}' : args);
    let value = parsed.value;
    if (parsed.ok && typeof value === 'string') value = parseLenient(value).value; // double-encoded
    if (parsed.ok && isPlainObject(value)) return { value: JSON.stringify(value), kind: 'repaired' };
    return { value: '{}', kind: 'unrecoverable' };
  }
  if (isPlainObject(args)) return { value: JSON.stringify(args), kind: 'repaired' };
  if (args === null || args === undefined) return { value: '{}', kind: 'repaired' };
  return { value: '{}', kind: 'unrecoverable' };
}

export function repairHistory(messages: readonly unknown[]): HistoryRepairResult {
  let repaired = 0;
  let unrecoverable = 0;
  const out = messages.map((m) => {
    if (!isPlainObject(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return m;
    let changed = false;
    const calls = m.tool_calls.map((tc: unknown) => {
      if (!isPlainObject(tc) || !isPlainObject(tc.function)) return tc;
      const fixed = fixArguments(tc.function.arguments);
      if (fixed.kind === 'ok') return tc;
      changed = true;
      if (fixed.kind === 'repaired') repaired++;
      else unrecoverable++;
      return { ...tc, function: { ...tc.function, arguments: fixed.value } };
    });
    return changed ? { ...m, tool_calls: calls } : m;
  });
  return { messages: out, repaired, unrecoverable };
}
