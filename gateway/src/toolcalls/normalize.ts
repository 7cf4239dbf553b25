// Shape normalization: whatever object a model wrote for one call becomes {name, arguments}.
// Handles the tool-list wrapper, "parameters" for "arguments", arguments as a (double-)encoded
// JSON string and null/missing arguments.
import { isPlainObject, parseLenient } from './json-text.js';
import { addRepair, type RepairKind } from './repair-kinds.js';

export type Normalized =
  | { ok: true; name: string; arguments: Record<string, unknown>; argumentsMissing: boolean }
  | { ok: false; name: string | null; error: string };

export interface NormalizeOptions {
  /** Parsed `tool_calls`: a string `arguments` is the standard wire encoding. */
  argumentsEncoded?: boolean;
  /** tool_choice "required": vLLM's own format uses "parameters". */
  parametersExpected?: boolean;
}

export function normalizeCall(value: unknown, repairs: RepairKind[], opts: NormalizeOptions = {}): Normalized {
  if (!isPlainObject(value)) return { ok: false, name: null, error: 'tool call is not a JSON object' };
  let obj = value;
  if (isPlainObject(obj.function) && (obj.type === 'function' || typeof obj.name !== 'string')) {
    obj = obj.function;
    addRepair(repairs, 'function_wrapper');
  }
  const name = obj.name;
  if (typeof name !== 'string' || name.trim() === '')
    return { ok: false, name: null, error: 'tool call has no function name' };
  let args: unknown;
  if ('arguments' in obj && obj.arguments !== undefined) args = obj.arguments;
  else if ('parameters' in obj && obj.parameters !== undefined) {
    args = obj.parameters;
    if (!opts.parametersExpected) addRepair(repairs, 'parameters_key');
  }
  let encoded = opts.argumentsEncoded === true;
  // Up to two string layers: the wire encoding (parsed tool_calls) plus one accidental one.
  for (let layer = 0; layer < 2 && typeof args === 'string'; layer++) {
    const text = args.trim();
    if (text === '') {
      args = null;
      break;
    }
    if (!encoded) addRepair(repairs, 'arguments_string');
    encoded = false;
    const parsed = parseLenient(text);
    for (const k of parsed.repairs) addRepair(repairs, k);
    if (!parsed.ok)
      return { ok: false, name, error: `arguments are not valid JSON (${parsed.error ?? 'unparseable'})` };
    args = parsed.value;
  }
  if (args === null || args === undefined) {
    addRepair(repairs, 'arguments_null');
    return { ok: true, name, arguments: {}, argumentsMissing: true };
  }
  if (!isPlainObject(args)) return { ok: false, name, error: 'arguments must be a JSON object' };
  return { ok: true, name, arguments: args, argumentsMissing: false };
}
