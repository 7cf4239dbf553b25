// Function-level rules of the official BFCL AST checker (ast_checker, simple_function_checker,
// multiple_function_checker, parallel_function_checker_no_order), Python language only.
// The model output is BFCL's decoded form: a list of one-key dicts {function_name: {param: value}}.
import { EMPTY, pyContains, pyGetKey, pyItems } from './py-ops.js';
import { PyCrash, pyStr, type PyType, type PyValue } from './py-value.js';
import {
  dictChecker,
  listChecker,
  listDictChecker,
  pythonType,
  stringChecker,
  typeChecker,
  type CheckResult,
} from './value-checkers.js';

/** A function doc as BFCL ships it (its own schema dialect: "dict", "float", "tuple", "any"). */
export interface BfclFunctionDoc {
  name: string;
  description?: string;
  parameters: { type?: string; properties: Record<string, BfclParamDoc>; required: string[] };
}
export interface BfclParamDoc {
  type: string;
  description?: string;
  items?: { type: string };
  properties?: Record<string, BfclParamDoc>;
  enum?: unknown[];
  default?: unknown;
}

export interface CheckerOptions {
  /** The OpenAI-style handlers' rewrite of "." to "_" in function names (BFCL `underscore_to_dot`). */
  underscoreToDot: boolean;
}

function findDescription(docs: BfclFunctionDoc[], name: string): BfclFunctionDoc | null {
  return docs.find((d) => d.name === name) ?? null;
}

export function convertFuncName(name: string, opts: CheckerOptions): string {
  return name.includes('.') && opts.underscoreToDot ? name.replaceAll('.', '_') : name;
}

function firstKey(x: PyValue): string {
  const keys = pyItems(x);
  if (keys.length === 0) throw new PyCrash('IndexError', 'list index out of range');
  return keys[0]![0];
}

const own = <T>(o: Record<string, T> | undefined, k: string): T | undefined =>
  o !== undefined && o !== null && Object.hasOwn(o, k) ? o[k] : undefined;

export function simpleFunctionChecker(
  doc: BfclFunctionDoc | null | undefined,
  modelOutput: PyValue,
  possibleAnswerEntry: PyValue,
  opts: CheckerOptions,
): CheckResult {
  if (!doc) throw new PyCrash('TypeError', "'NoneType' object is not subscriptable");
  const possibleAnswer = pyGetKey(possibleAnswerEntry, firstKey(possibleAnswerEntry));
  const params = doc.parameters?.properties;
  const required = doc.parameters?.required;
  if (params === undefined || required === undefined)
    throw new PyCrash('KeyError', params === undefined ? 'properties' : 'required');
  const funcName = convertFuncName(doc.name, opts);

  if (!pyContains(modelOutput, pyStr(funcName))) {
    return {
      valid: false,
      error: [`Function name '${funcName}' not found in model output.`],
      errorType: 'simple_function_checker:wrong_func_name',
    };
  }
  const modelParams = pyGetKey(modelOutput, funcName);
  for (const param of required) {
    if (!pyContains(modelParams, pyStr(param))) {
      return {
        valid: false,
        error: [`Missing required parameter: '${param}'.`],
        errorType: 'simple_function_checker:missing_required',
      };
    }
  }

  for (const [param, rawValue] of pyItems(modelParams)) {
    const detail = own(params, param);
    if (detail === undefined || !pyContains(possibleAnswer, pyStr(param))) {
      return {
        valid: false,
        error: [`Unexpected parameter: '${param}'.`],
        errorType: 'simple_function_checker:unexpected_param',
      };
    }
    const description = detail.type;
    const expected = pythonType(description);
    let nested: PyType | null = null;
    if (description === 'array' || description === 'tuple') {
      if (detail.items === undefined) throw new PyCrash('KeyError', 'items');
      nested = pythonType(detail.items.type);
    }
    // Python's int → float allowance for float parameters (bool is not an int here: type() is exact).
    const value: PyValue =
      description === 'float' && rawValue.t === 'int' ? { t: 'float', v: Number(rawValue.v) } : rawValue;
    const answers = pyGetKey(possibleAnswer, param);

    const typed = typeChecker(param, value, answers, description, expected, nested);
    if (!typed.valid) return typed;

    // A variable (answer given as a name, not a value) is compared verbatim below.
    if (!typed.isVariable) {
      let special: CheckResult | null = null;
      if (expected === 'dict') special = dictChecker(param, value, answers);
      else if (expected === 'list' && nested === 'dict')
        special = listDictChecker(param, (value as { v: PyValue[] }).v, answers);
      else if (expected === 'str') special = stringChecker(param, (value as { v: string }).v, answers);
      else if (expected === 'list') special = listChecker(param, (value as { v: PyValue[] }).v, answers);
      if (special !== null) {
        if (!special.valid) return special;
        continue;
      }
    }
    if (!pyContains(answers, value)) {
      return { valid: false, error: [`Invalid value for parameter '${param}'.`], errorType: 'value_error:others' };
    }
  }

  for (const [param, answers] of pyItems(possibleAnswer)) {
    if (!pyContains(modelParams, pyStr(param)) && !pyContains(answers, EMPTY)) {
      return {
        valid: false,
        error: [`Optional parameter '${param}' not provided and not marked as optional.`],
        errorType: 'simple_function_checker:missing_optional',
      };
    }
  }
  return { valid: true, error: [] };
}

function parallelNoOrder(
  docs: BfclFunctionDoc[],
  output: PyValue[],
  answers: PyValue[],
  opts: CheckerOptions,
): CheckResult {
  if (output.length !== answers.length) {
    return {
      valid: false,
      error: ['Wrong number of functions.'],
      errorType: 'parallel_function_checker_no_order:wrong_count',
    };
  }
  // QUIRK: greedy — each expected call takes the first unmatched output that passes, so an output
  // that fits two expected calls can starve a later one even when a full matching exists.
  const matched = new Set<number>();
  for (let i = 0; i < answers.length; i++) {
    const doc = findDescription(docs, firstKey(answers[i]!));
    let result: CheckResult | null = null;
    for (let j = 0; j < output.length; j++) {
      if (matched.has(j)) continue;
      result = simpleFunctionChecker(doc, output[j]!, answers[i]!, opts);
      if (result.valid) {
        matched.add(j);
        break;
      }
    }
    if (result === null || !result.valid) {
      return {
        valid: false,
        error: [
          `Could not find a matching function among the unmatched model outputs for index ${i} of possible answers.`,
        ],
        errorType: 'parallel_function_checker_no_order:cannot_find_match',
      };
    }
  }
  return { valid: true, error: [] };
}

function multiple(docs: BfclFunctionDoc[], output: PyValue[], answers: PyValue[], opts: CheckerOptions): CheckResult {
  if (output.length !== answers.length) {
    return { valid: false, error: ['Wrong number of functions.'], errorType: 'multiple_function_checker:wrong_count' };
  }
  const doc = findDescription(docs, firstKey(answers[0]!));
  return simpleFunctionChecker(doc, output[0]!, answers[0]!, opts);
}

/** `ast_checker(...)`: dispatch on the category name exactly as BFCL does (substring tests). */
export function astChecker(
  docs: BfclFunctionDoc[],
  output: PyValue[],
  possibleAnswer: PyValue[],
  category: string,
  opts: CheckerOptions,
): CheckResult {
  if (category.includes('parallel')) return parallelNoOrder(docs, output, possibleAnswer, opts);
  if (category.includes('multiple')) return multiple(docs, output, possibleAnswer, opts);
  if (output.length !== 1)
    return { valid: false, error: ['Wrong number of functions.'], errorType: 'simple_function_checker:wrong_count' };
  if (docs.length === 0 || possibleAnswer.length === 0) throw new PyCrash('IndexError', 'list index out of range');
  return simpleFunctionChecker(docs[0], output[0]!, possibleAnswer[0]!, opts);
}
