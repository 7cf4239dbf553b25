// History repair: an assistant turn in `messages` whose tool_calls[].function.arguments is not a
// JSON object string makes vLLM answer 400 for the whole conversation. Repair the arguments the
// same way live output is repaired so the agent's conversation can go on. Input is never mutated.
// Arguments nesting deeper than MAX_JSON_DEPTH are refused (ToolInputError): nothing can repair them, and
// the upstream's own parser would fail on them too.
import { ToolInputError } from './errors.js';
import { isPlainObject, parseLenient } from './json-text.js';
import { MAX_JSON_DEPTH, nestsDeeperThan, valueDepth } from './safe-json.js';

export interface HistoryRepairResult {
  messages: unknown[];
  /** Arguments strings rewritten to valid JSON (syntax repaired, or an object sent unencoded). */
  repaired: number;
  /** Arguments that could not be read at all and were replaced by "{}" (reported, not hidden). */
  unrecoverable: number;
}

function tooDeep(param: string): ToolInputError {
  return new ToolInputError(
    `'${param}' nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels.`,
    'json_too_deep',
    param,
  );
}

function fixArguments(args: unknown, param: string): { value: string; kind: 'ok' | 'repaired' | 'unrecoverable' } {
  if (typeof args === 'string') {
    if (nestsDeeperThan(args, MAX_JSON_DEPTH)) throw tooDeep(param);
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
  if (isPlainObject(args)) {
    if (valueDepth(args, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw tooDeep(param);
    return { value: JSON.stringify(args), kind: 'repaired' };
  }
  if (args === null || args === undefined) return { value: '{}', kind: 'repaired' };
  return { value: '{}', kind: 'unrecoverable' };
}

/** Throws ToolInputError (code `json_too_deep`) for arguments nesting deeper than MAX_JSON_DEPTH. */
export function repairHistory(messages: readonly unknown[]): HistoryRepairResult {
  let repaired = 0;
  let unrecoverable = 0;
  const out = messages.map((m, i) => {
    if (!isPlainObject(m) || m.role !== 'assistant' || !Array.isArray(m.tool_calls)) return m;
    let changed = false;
    const calls = m.tool_calls.map((tc: unknown, j: number) => {
      if (!isPlainObject(tc) || !isPlainObject(tc.function)) return tc;
      const fixed = fixArguments(tc.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`);
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
