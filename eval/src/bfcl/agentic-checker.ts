// BFCL's agentic scoring (memory categories), as bfcl_eval/eval_checker/eval_runner.py
// (_evaluate_single_agentic_entry) and agentic_eval/agentic_checker.py: the answer is the last step
// of the (single) turn that does not decode into calls, and it is correct when one of the accepted
// answers occurs in it as a whole word after both are standardised.
import { decodeExecute, isEmptyExecuteResponse, type BfclRawResult, type BfclVerdict } from './evaluate-entry.js';
import type { MultiTurnResult } from './multi-turn-checker.js';
import { pyRepr, type PyValue } from './py-value.js';

/** agentic_checker.standardize_string: drop ,./-_*^() , lowercase, ' → ". */
export function standardizeAgentic(s: string): string {
  return s
    .replace(/[,./\-_*^()]/g, '')
    .toLowerCase()
    .replaceAll("'", '"');
}

// Python's re `\w` for str patterns: str.isalnum() characters and "_".
const WORD = /[\p{L}\p{N}_]/u;

/** `re.search(rf"\b{re.escape(needle)}\b", haystack)`, with Python's Unicode word boundaries. */
export function containsWord(haystack: string, needle: string): boolean {
  const h = Array.from(haystack);
  const n = Array.from(needle);
  const isWord = (i: number): boolean => i >= 0 && i < h.length && WORD.test(h[i]!);
  const boundary = (i: number): boolean => isWord(i - 1) !== isWord(i);
  for (let p = 0; p + n.length <= h.length; p++) {
    if (!n.every((c, j) => h[p + j] === c)) continue;
    if (boundary(p) && boundary(p + n.length)) return true;
  }
  return false;
}

/** Python `str(x)` of a step's model_responses, as agentic_checker applies it. */
function pyStrOfResponse(response: Exclude<BfclRawResult, null> | null): string {
  if (typeof response === 'string') return response;
  if (response === null) return 'None';
  // A list of calls: agentic_checker takes element 0, a {name: arguments} dict.
  const first = response[0]!;
  const args: PyValue = first.arguments === null ? { t: 'none' } : { t: 'str', v: first.arguments };
  return pyRepr({ t: 'dict', v: new Map([[first.name, args]]) });
}

const falsy = (x: BfclRawResult | undefined): boolean => x === undefined || x === null || x.length === 0;

export function checkAgentic(result: MultiTurnResult, answers: string[]): BfclVerdict {
  if (!Array.isArray(result) || result.length !== 1) {
    return {
      valid: false,
      errorType: 'agentic:inference_error',
      error: ['Error during inference phase. Model did not output a list of model responses.'],
    };
  }
  let last: BfclRawResult | undefined;
  for (const step of result[0]!) {
    try {
      if (isEmptyExecuteResponse(decodeExecute(step))) last = step;
    } catch {
      last = step;
    }
  }
  if (falsy(last))
    return {
      valid: false,
      errorType: 'agentic:no_last_message',
      error: ['Cannot find the last chat message that is not a function call.'],
    };
  const response = standardizeAgentic(pyStrOfResponse(last!));
  if (answers.some((a) => containsWord(response, standardizeAgentic(a))))
    return { valid: true, errorType: null, error: [] };
  return {
    valid: false,
    errorType: 'agentic:answer_not_found',
    error: ['None of the expected answers were found in the model response.'],
  };
}
