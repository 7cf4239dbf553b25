// One BFCL entry scored the way bfcl_eval/eval_checker/eval_runner.py scores an FC model whose
// handler is OpenAICompletionsHandler: the raw result is the list of tool calls as
// {name: arguments-JSON-string} (or the message content when there were no tool calls), decoded
// with json.loads, format-checked, then handed to the AST checker — or, for (ir)relevance
// categories, only asked "did it decode into at least one call?". Also the handler's other
// decoder, decode_execute, which turns the same result into call strings for BFCL's backends.
import { astChecker, type BfclFunctionDoc, type CheckerOptions } from './ast-checker.js';
import type { AssistantMessage } from '../run/raw-store.js';
import { parsePyJson, PyCrash, pyRepr, pyTypeName, type PyValue } from './py-value.js';

/** What an OpenAI-compatible endpoint returned, in BFCL's FC result shape. */
export type BfclRawResult = { name: string; arguments: string | null }[] | string | null;

/**
 * OpenAICompletionsHandler._parse_query_response_FC: `model_responses` is the tool_calls list as
 * returned (even empty) as [{name: arguments}], else the message content.
 */
export function fcResult(message: AssistantMessage): BfclRawResult {
  const tc = message.tool_calls;
  return Array.isArray(tc)
    ? tc.map((c) => ({ name: c.function?.name ?? '', arguments: c.function?.arguments ?? null }))
    : message.content;
}

/**
 * OpenAICompletionsHandler.decode_execute (FC) = model_handler/utils.py convert_to_function_call:
 * each call becomes `name(k=repr(v),...)` for BFCL's executor. Throws where Python raises (the
 * runner then treats the step as "no call").
 */
export function decodeExecute(result: BfclRawResult): string[] {
  if (result === null) throw new PyCrash('TypeError', "'NoneType' object is not iterable");
  if (typeof result === 'string') {
    if (result.length > 0) throw new PyCrash('AttributeError', "'str' object has no attribute 'items'");
    return [];
  }
  return result.map((call) => {
    if (call.arguments === null) throw new PyCrash('AttributeError', "'NoneType' object has no attribute 'items'");
    const value = parsePyJson(call.arguments);
    if (value.t !== 'dict')
      throw new PyCrash('AttributeError', `'${pyTypeName(value)}' object has no attribute 'items'`);
    return `${call.name}(${[...value.v].map(([k, v]) => `${k}=${pyRepr(v)}`).join(',')})`;
  });
}

/** multi_turn_utils.is_empty_execute_response: [] or a single empty element. */
export function isEmptyExecuteResponse(xs: readonly (string | readonly unknown[])[]): boolean {
  return xs.length === 0 || (xs.length === 1 && xs[0]!.length === 0);
}

export interface BfclVerdict {
  valid: boolean;
  /** BFCL's own error type names, e.g. `simple_function_checker:wrong_func_name`; null when valid. */
  errorType: string | null;
  error: string[];
  /** What the checker reported beyond the message (multi-turn: the state differences). */
  details?: unknown;
}

export interface BfclCase {
  category: string;
  functions: BfclFunctionDoc[];
  result: BfclRawResult;
  /** `ground_truth` of the possible_answer file (list of {func: {param: [answers]}}); absent for irrelevance. */
  groundTruth?: PyValue[];
}

/** OpenAICompletionsHandler.decode_ast (FC). Throws where Python raises. */
export function decodeFc(result: BfclRawResult): PyValue[] {
  if (result === null) throw new PyCrash('TypeError', "'NoneType' object is not iterable");
  // A content string is iterated character by character; `str.keys()` fails on the first one.
  if (typeof result === 'string') {
    if (result.length > 0) throw new PyCrash('AttributeError', "'str' object has no attribute 'keys'");
    return [];
  }
  return result.map((call) => {
    if (call.arguments === null)
      throw new PyCrash('TypeError', 'the JSON object must be str, bytes or bytearray, not NoneType');
    return { t: 'dict', v: new Map([[call.name, parsePyJson(call.arguments)]]) } as const;
  });
}

/** bfcl_eval.utils.is_function_calling_format_output */
export function isFunctionCallingFormat(decoded: PyValue[]): boolean {
  return decoded.every((item) => item.t === 'dict' && item.v.size === 1 && [...item.v.values()][0]!.t === 'dict');
}

/** bfcl_eval.utils.is_empty_output */
export function isEmptyOutput(decoded: PyValue[]): boolean {
  if (!isFunctionCallingFormat(decoded)) return true;
  if (decoded.length === 0) return true;
  return decoded.length === 1 && decoded[0]!.t === 'dict' && decoded[0]!.v.size === 0;
}

export const isRelevanceCategory = (category: string): boolean => category.includes('relevance');

export function evaluateBfclCase(c: BfclCase, opts: CheckerOptions = { underscoreToDot: true }): BfclVerdict {
  try {
    return evaluate(c, opts);
  } catch (err) {
    // The official runner would crash on this entry; report it under a name both sides share.
    if (err instanceof PyCrash)
      return { valid: false, errorType: `python_exception:${err.pyType}`, error: [err.message] };
    throw err;
  }
}

function evaluate(c: BfclCase, opts: CheckerOptions): BfclVerdict {
  if (isRelevanceCategory(c.category)) {
    let containsCall: boolean;
    try {
      containsCall = !isEmptyOutput(decodeFc(c.result));
    } catch {
      containsCall = false; // any decode failure counts as "no call"
    }
    const irrelevance = c.category.includes('irrelevance');
    if (irrelevance ? !containsCall : containsCall) return { valid: true, errorType: null, error: [] };
    return irrelevance
      ? {
          valid: false,
          errorType: 'irrelevance_error:decoder_success',
          error: ['Valid syntax. Successfully decode AST when it should not.'],
        }
      : {
          valid: false,
          errorType: 'relevance_error:decoder_failed',
          error: ['Invalid syntax. Failed to decode AST when it should have.'],
        };
  }
  let decoded: PyValue[];
  try {
    decoded = decodeFc(c.result);
  } catch (err) {
    return {
      valid: false,
      errorType: 'ast_decoder:decoder_failed',
      error: [`Invalid syntax. Failed to decode AST. ${(err as Error).message}`],
    };
  }
  if (!isFunctionCallingFormat(decoded)) {
    return {
      valid: false,
      errorType: 'ast_decoder:decoder_wrong_output_format',
      error: ['Did not output in the specified format.'],
    };
  }
  if (c.groundTruth === undefined) throw new Error(`category ${c.category} needs a ground truth`);
  const r = astChecker(c.functions, decoded, c.groundTruth, c.category, opts);
  return { valid: r.valid, errorType: r.valid ? null : (r.errorType ?? null), error: r.error };
}
