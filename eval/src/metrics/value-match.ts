// Value equality with BFCL's normalisation, used for argument-level metrics and semantic match:
// strings compared after standardize_string (drop spaces and ,./-_*^, lowercase, ' → "), numbers
// by value (so 5 matches 5.0: BFCL's int → float allowance), lists element-wise, dicts key-wise.
// Booleans only equal booleans (stricter than Python's True == 1, on purpose: it is a type error
// in BFCL's checker too).
import { standardizeString } from '../bfcl/value-checkers.js';
import { toJs, type PyValue } from '../bfcl/py-value.js';

export function semanticEqual(predicted: unknown, expected: unknown): boolean {
  if (typeof expected === 'string')
    return typeof predicted === 'string' && standardizeString(predicted) === standardizeString(expected);
  if (typeof expected === 'number') return typeof predicted === 'number' && predicted === expected;
  if (typeof expected === 'boolean' || expected === null) return predicted === expected;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(predicted) &&
      predicted.length === expected.length &&
      expected.every((e, i) => semanticEqual(predicted[i], e))
    );
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof predicted !== 'object' || predicted === null || Array.isArray(predicted)) return false;
    const pk = Object.keys(predicted);
    const ek = Object.keys(expected);
    return (
      pk.length === ek.length &&
      ek.every(
        (k) =>
          Object.hasOwn(predicted, k) &&
          semanticEqual((predicted as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]),
      )
    );
  }
  return false;
}

export const matchesAny = (predicted: unknown, answers: PyValue[]): boolean =>
  answers.some((a) => semanticEqual(predicted, toJs(a)));
