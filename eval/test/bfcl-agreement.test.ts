// The TypeScript BFCL checker must give the official checker's verdict and error type on every
// case. Cases come from the installed bfcl-eval data: a correct answer per entry and mutations
// aimed at each error type (see helpers/bfcl-mutations.ts).
import { describe, expect, it } from 'vitest';
import { loadBfclCategory } from '../src/bfcl/bfcl-data.js';
import { evaluateBfclCase } from '../src/bfcl/evaluate-entry.js';
import { runOfficialChecker } from '../src/bfcl/official-checker.js';
import { casesForEntry, rng, type AgreementCase } from './helpers/bfcl-mutations.js';

const CATEGORIES: [string, number][] = [
  ['simple_python', 40],
  ['multiple', 25],
  ['parallel', 25],
  ['parallel_multiple', 25],
  ['live_simple', 30],
  ['live_multiple', 30],
  ['live_parallel', 16],
  ['live_parallel_multiple', 24],
  ['irrelevance', 15],
  ['live_irrelevance', 10],
  ['live_relevance', 10],
];

function buildCases(): AgreementCase[] {
  const pick = rng(7);
  const cases: AgreementCase[] = [];
  for (const [category, n] of CATEGORIES) {
    const entries = loadBfclCategory(category);
    // An even spread over the file rather than its first n entries.
    const step = Math.max(1, Math.floor(entries.length / n));
    const chosen = new Set<number>();
    for (let i = 0; i < entries.length && chosen.size < n; i += step) chosen.add(i);
    // Plus every entry with a list-of-dict parameter: the rarest checker path (list_dict_checker).
    entries.forEach((e, i) => {
      if (
        e.functions.some((f) =>
          Object.values(f.parameters.properties).some((p) => p.type === 'array' && p.items?.type === 'dict'),
        )
      )
        chosen.add(i);
    });
    for (const i of [...chosen].sort((a, b) => a - b)) cases.push(...casesForEntry(entries[i]!, pick));
  }
  return cases;
}

describe('BFCL AST checker agrees with the official checker', () => {
  const cases = buildCases();
  const official = runOfficialChecker(cases);

  it('covers enough cases and every error type', () => {
    const counts: Record<string, number> = {};
    for (const v of official) counts[String(v.error_type)] = (counts[String(v.error_type)] ?? 0) + 1;
    console.log(`agreement cases: ${cases.length}`, counts);
    expect(official.length).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const types = new Set(official.map((v) => v.error_type));
    for (const t of [
      null,
      'simple_function_checker:wrong_func_name',
      'simple_function_checker:missing_required',
      'simple_function_checker:unexpected_param',
      'simple_function_checker:missing_optional',
      'simple_function_checker:wrong_count',
      'type_error:simple',
      'type_error:nested',
      'value_error:string',
      'value_error:others',
      'value_error:list/tuple',
      'value_error:dict_key',
      'value_error:dict_value',
      'value_error:list_dict_count',
      'multiple_function_checker:wrong_count',
      'parallel_function_checker_no_order:wrong_count',
      'parallel_function_checker_no_order:cannot_find_match',
      'ast_decoder:decoder_failed',
      'ast_decoder:decoder_wrong_output_format',
      'irrelevance_error:decoder_success',
      'relevance_error:decoder_failed',
    ]) {
      expect(types, `no case produced ${t}`).toContain(t);
    }
  });

  it('gives the same verdict and error type on every case', () => {
    const disagreements: unknown[] = [];
    cases.forEach((c, i) => {
      const ours = evaluateBfclCase(c, { underscoreToDot: c.underscoreToDot });
      const theirs = official[i]!;
      expect(theirs.id).toBe(c.id);
      if (ours.valid !== theirs.valid || ours.errorType !== theirs.error_type) {
        disagreements.push({ id: c.id, ours: ours.errorType, theirs: theirs.error_type, result: c.result });
      }
    });
    expect(disagreements.slice(0, 10)).toEqual([]);
  });
});
