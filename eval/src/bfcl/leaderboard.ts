// The BFCL v4 leaderboard's numbers for one run, computed the way bfcl-eval computes its score
// table (bfcl_eval/eval_checker/eval_runner_helper.py generate_leaderboard_csv):
//   non-live  = mean(simple, multiple, parallel, parallel_multiple), simple = mean(python, java, js)
//   live      = mean of live_simple/multiple/parallel/parallel_multiple weighted by entry counts
//   irrelevance = mean(irrelevance, live_irrelevance)
//   multi-turn  = mean(base, miss_func, miss_param, long_context)
//   agentic     = mean(web search = mean(base, no_snippet), memory = mean(kv, vector, rec_sum))
//   overall     = (10·non-live + 10·live + 10·irrelevance + 30·multi-turn + 40·agentic) / 100
// A category that was not run counts as 0 with its full entry count (get_category_score), exactly
// as bfcl-eval scores a partial run; `maxReachable` says how much of the overall the run covers.
import { NOT_RUN_REASONS, RUNNABLE_CATEGORIES } from './categories.js';

export const OVERALL_WEIGHTS = { non_live: 10, live: 10, irrelevance: 10, multi_turn: 30, agentic: 40 } as const;
export type SectionKey = keyof typeof OVERALL_WEIGHTS;

/** Every category the overall reads, by section. */
export const SECTION_CATEGORIES: Record<SectionKey, string[]> = {
  non_live: ['simple_python', 'simple_java', 'simple_javascript', 'multiple', 'parallel', 'parallel_multiple'],
  live: ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple'],
  irrelevance: ['irrelevance', 'live_irrelevance'],
  multi_turn: ['multi_turn_base', 'multi_turn_miss_func', 'multi_turn_miss_param', 'multi_turn_long_context'],
  agentic: ['web_search_base', 'web_search_no_snippet', 'memory_kv', 'memory_vector', 'memory_rec_sum'],
};
const SECTION_LABELS: Record<SectionKey, string> = {
  non_live: 'Non-live AST',
  live: 'Live AST',
  irrelevance: 'Irrelevance',
  multi_turn: 'Multi-turn',
  agentic: 'Agentic',
};

export interface CategoryScore {
  /** correct / total over this run's settled items; null when not run. */
  accuracy: number | null;
  correct: number;
  /** Items scored in this run (BFCL: entries in the result file); the dataset size when not run. */
  total: number;
  /** Entries in the installed dataset. */
  size: number;
  status: 'run' | 'partial' | 'not_run';
  reason?: string;
}

export interface LeaderboardView {
  /** BFCL's overall for this run, categories not run counting 0 (bfcl-eval's own figure for it). */
  overall: number;
  /** The overall this run would get with every category it ran at 100%: the share of the weight it covers. */
  maxReachable: number;
  /** Every scoring category ran in full: the overall is directly comparable to the published one. */
  complete: boolean;
  weights: typeof OVERALL_WEIGHTS;
  sections: {
    key: SectionKey;
    label: string;
    weight: number;
    accuracy: number;
    complete: boolean;
    categories: string[];
  }[];
  /** live_relevance: shown by BFCL, not part of its overall. */
  relevance: number | null;
  categories: Record<string, CategoryScore>;
}

type Acc = { accuracy: number; count: number; na: boolean };

const unweighted = (xs: Acc[]): Acc => ({
  accuracy: xs.reduce((s, x) => s + x.accuracy, 0) / xs.length,
  count: xs.reduce((s, x) => s + x.count, 0),
  na: xs.some((x) => x.na),
});
const weighted = (xs: Acc[]): Acc => {
  const count = xs.reduce((s, x) => s + x.count, 0);
  return { accuracy: xs.reduce((s, x) => s + x.accuracy * x.count, 0) / count, count, na: xs.some((x) => x.na) };
};

function sections(acc: (c: string) => Acc): Record<SectionKey, Acc> {
  const simple = unweighted([acc('simple_python'), acc('simple_java'), acc('simple_javascript')]);
  return {
    non_live: unweighted([simple, acc('multiple'), acc('parallel'), acc('parallel_multiple')]),
    live: weighted(SECTION_CATEGORIES.live.map(acc)),
    irrelevance: unweighted([acc('irrelevance'), acc('live_irrelevance')]),
    multi_turn: unweighted(SECTION_CATEGORIES.multi_turn.map(acc)),
    agentic: unweighted([
      unweighted([acc('web_search_base'), acc('web_search_no_snippet')]),
      unweighted([acc('memory_kv'), acc('memory_vector'), acc('memory_rec_sum')]),
    ]),
  };
}

const overallOf = (s: Record<SectionKey, Acc>): number =>
  (Object.keys(OVERALL_WEIGHTS) as SectionKey[]).reduce((sum, k) => sum + s[k].accuracy * OVERALL_WEIGHTS[k], 0) / 100;

/**
 * `results`: per category run, BFCL-correct items and items scored. `sizes`: every BFCL v4
 * category's entry count in the installed data (used for categories not run, as BFCL does).
 */
export function leaderboardView(
  results: Record<string, { correct: number; total: number }>,
  sizes: Record<string, number>,
): LeaderboardView {
  const categories: Record<string, CategoryScore> = {};
  for (const c of [
    ...new Set([
      ...Object.values(SECTION_CATEGORIES).flat(),
      'live_relevance',
      ...RUNNABLE_CATEGORIES,
      ...Object.keys(NOT_RUN_REASONS),
    ]),
  ]) {
    const r = results[c];
    const size = sizes[c] ?? 0;
    if (r && r.total > 0) {
      categories[c] = {
        accuracy: r.correct / r.total,
        correct: r.correct,
        total: r.total,
        size,
        status: r.total < size ? 'partial' : 'run',
      };
    } else {
      categories[c] = {
        accuracy: null,
        correct: 0,
        total: size,
        size,
        status: 'not_run',
        reason: NOT_RUN_REASONS[c] ?? 'not in this run',
      };
    }
  }
  const actual = (c: string): Acc => {
    const s = categories[c]!;
    return { accuracy: s.accuracy ?? 0, count: s.total, na: s.status === 'not_run' };
  };
  const ran = (c: string): Acc => ({ ...actual(c), accuracy: categories[c]!.status === 'not_run' ? 0 : 1 });
  const got = sections(actual);
  const complete = Object.values(SECTION_CATEGORIES)
    .flat()
    .every((c) => categories[c]!.status === 'run');
  return {
    overall: overallOf(got),
    maxReachable: overallOf(sections(ran)),
    complete,
    weights: OVERALL_WEIGHTS,
    sections: (Object.keys(OVERALL_WEIGHTS) as SectionKey[]).map((key) => ({
      key,
      label: SECTION_LABELS[key],
      weight: OVERALL_WEIGHTS[key],
      accuracy: got[key].accuracy,
      complete: SECTION_CATEGORIES[key].every((c) => categories[c]!.status === 'run'),
      categories: SECTION_CATEGORIES[key],
    })),
    relevance: categories['live_relevance']!.accuracy,
    categories,
  };
}
