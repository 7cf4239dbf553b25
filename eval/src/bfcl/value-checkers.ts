// Per-parameter checks of the official BFCL AST checker (bfcl_eval/eval_checker/ast_eval/
// ast_checker.py: type_checker, standardize_string, string_checker, list_checker, dict_checker,
// list_dict_checker), ported branch for branch. Quirks of the original are kept on purpose and
// marked "QUIRK"; docs/eval.md lists them.
import { EMPTY, isEmptyStr, pyContains, pyGetKey, pyIndex, pyIndexIter, pyItems, pyIter } from './py-ops.js';
import { PyCrash, pyEq, pyIn, pyLen, pyRepr, type PyType, type PyValue } from './py-value.js';

export interface CheckResult {
  valid: boolean;
  error: string[];
  errorType?: string;
  isVariable?: boolean;
}

const ok = (extra: Partial<CheckResult> = {}): CheckResult => ({ valid: true, error: [], ...extra });
const fail = (errorType: string, message: string): CheckResult => ({ valid: false, error: [message], errorType });

/** BFCL's PYTHON_TYPE_MAPPING (`tuple` is a list after JSON; `any` is checked as a string). */
const PYTHON_TYPE_MAPPING: Record<string, PyType> = {
  string: 'str',
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  dict: 'dict',
  any: 'str',
};

export function pythonType(description: unknown): PyType {
  if (typeof description === 'string' && Object.hasOwn(PYTHON_TYPE_MAPPING, description))
    return PYTHON_TYPE_MAPPING[description]!;
  throw new PyCrash('KeyError', String(description));
}

function possibleAnswerType(possibleAnswer: PyValue): PyType | null {
  for (const answer of pyIter(possibleAnswer)) if (!isEmptyStr(answer)) return answer.t; // "" marks "optional"
  return null;
}

export function typeChecker(
  param: string,
  value: PyValue,
  possibleAnswer: PyValue,
  expectedTypeDescription: string,
  expected: PyType,
  nested: PyType | null,
): CheckResult {
  let result: CheckResult = { valid: true, error: [], isVariable: false, errorType: 'type_error:simple' };
  // A possible answer of another type than the schema's means the answer is a variable name.
  const answerType = possibleAnswerType(possibleAnswer);
  const isVariable = answerType !== null && answerType !== expected;

  if (value.t === expected) {
    if (nested === null) return ok({ isVariable });
    for (const item of pyIter(possibleAnswer)) {
      let flag = true;
      // QUIRK: only list answers are checked; an optional "" answer makes any inner types pass.
      if (item.t === 'list') {
        for (const inner of pyIter(value)) {
          if (!typeChecker(param, inner, item, nested, nested, null).valid) {
            flag = false;
            break;
          }
        }
      }
      if (flag) return ok({ isVariable });
    }
    result = {
      valid: false,
      error: [
        `Nested type checking failed for parameter '${param}'. Expected outer type ${expectedTypeDescription} with inner type ${nested}.`,
      ],
      errorType: 'type_error:nested',
      isVariable: false,
    };
    // QUIRK: no return here in the original — it falls through to the checks below, so a nested
    // failure is reported as type_error:simple unless the value's type equals the answers' type.
  }
  if (answerType !== null && value.t === answerType) return { ...result, isVariable: true };
  return {
    valid: false,
    error: [
      ...result.error,
      `Incorrect type for parameter '${param}'. Expected type ${expectedTypeDescription}, got ${value.t}. Parameter value: ${pyRepr(value)}.`,
    ],
    errorType: 'type_error:simple',
    isVariable: result.isVariable,
  };
}

const STANDARDIZE = /[ ,./\-_*^]/g;
/** Drop spaces and ,./-_*^, lowercase, ' → " (so "April 1, 2024" == "april 1 2024"). */
export const standardizeString = (s: string): string => s.replace(STANDARDIZE, '').toLowerCase().replaceAll("'", '"');

const standardizeItem = (x: PyValue): PyValue => (x.t === 'str' ? { t: 'str', v: standardizeString(x.v) } : x);

export function stringChecker(param: string, value: string, possibleAnswer: PyValue): CheckResult {
  const answers = pyIndexIter(possibleAnswer)
    .filter((a) => a.t === 'str')
    .map((a) => standardizeString((a as { v: string }).v));
  if (!answers.includes(standardizeString(value))) {
    return fail(
      'value_error:string',
      `Invalid value for parameter '${param}': '${value}'. Expected one of ${pyRepr(possibleAnswer)}. Case insensitive.`,
    );
  }
  return ok();
}

export function listChecker(param: string, value: PyValue[], possibleAnswer: PyValue): CheckResult {
  const output: PyValue = { t: 'list', v: value.map(standardizeItem) };
  // QUIRK: each answer is walked with range(len(...)): an optional "" becomes [], a string
  // answer becomes its characters.
  const answers: PyValue[] = pyIndexIter(possibleAnswer).map((a) => ({
    t: 'list',
    v: pyIndexIter(a).map(standardizeItem),
  }));
  if (!pyIn(output, answers)) {
    return fail(
      'value_error:list/tuple',
      `Invalid value for parameter '${param}': ${pyRepr({ t: 'list', v: value })}. Expected one of ${pyRepr(possibleAnswer)}.`,
    );
  }
  return ok();
}

export function dictChecker(param: string, value: PyValue, possibleAnswers: PyValue): CheckResult {
  let result: CheckResult = { valid: false, error: [], errorType: 'dict_checker:unclear' };
  for (const answer of pyIndexIter(possibleAnswers)) {
    if (isEmptyStr(answer)) continue;
    result = { valid: false, error: [], errorType: 'dict_checker:unclear' };
    let flag = true;
    for (const [key, v] of pyItems(value)) {
      if (!pyContains(answer, { t: 'str', v: key })) {
        result = fail('value_error:dict_key', `Unexpected dict key parameter: '${key}'.`);
        flag = false;
        break;
      }
      const candidates = pyIndexIter(pyGetKey(answer, key)).map(standardizeItem);
      if (!pyIn(standardizeItem(v), candidates)) {
        result = fail('value_error:dict_value', `Invalid value for parameter '${key}': ${pyRepr(v)}.`);
        flag = false;
        break;
      }
    }
    // QUIRK: runs even after a failure above, so a missing key overrides a dict_value error.
    for (const [key, candidates] of pyItems(answer)) {
      if (!(value.t === 'dict' && value.v.has(key)) && !pyContains(candidates, EMPTY)) {
        result = {
          valid: false,
          error: [...result.error, `Missing dict key parameter: '${key}'.`],
          errorType: 'value_error:dict_key',
        };
        flag = false;
        break;
      }
    }
    if (flag) return ok();
  }
  return result;
}

export function listDictChecker(param: string, value: PyValue[], possibleAnswers: PyValue): CheckResult {
  let result: CheckResult = { valid: false, error: [], errorType: 'list_dict_checker:unclear' };
  for (const answer of pyIndexIter(possibleAnswers)) {
    let flag = true;
    // QUIRK: len("") == 0, so an optional "" answer accepts an empty list.
    if (value.length !== pyLen(answer)) {
      result = fail('value_error:list_dict_count', 'Wrong number of dictionaries in the list.');
      continue;
    }
    for (let i = 0; i < value.length; i++) {
      result = dictChecker(param, value[i]!, { t: 'list', v: [pyIndex(answer, i)] });
      if (!result.valid) {
        flag = false;
        break;
      }
    }
    if (flag) return ok();
  }
  return result;
}

export { pyEq };
