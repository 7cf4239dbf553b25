// The leaderboard numbers `toolgate eval` reports (overall and its five sections) equal what
// bfcl-eval's own score-table code (eval_runner_helper.generate_leaderboard_csv) prints for the
// same per-category results: full runs, partial runs, and runs missing whole categories.
import { describe, expect, it } from 'vitest';
import { bfclCategorySizes } from '../src/bfcl/bfcl-data.js';
import { RUNNABLE_CATEGORIES } from '../src/bfcl/categories.js';
import { leaderboardView, SECTION_CATEGORIES } from '../src/bfcl/leaderboard.js';
import { runOfficialLeaderboard } from '../src/bfcl/official-checker.js';
import { rng } from './helpers/bfcl-mutations.js';

const ALL = [...Object.values(SECTION_CATEGORIES).flat(), 'live_relevance'];

describe('BFCL leaderboard weighting', () => {
  it('equals bfcl-eval generate_leaderboard_csv on overall and every section', () => {
    const sizes = bfclCategorySizes(ALL);
    expect(sizes).toMatchObject({
      simple_python: 400,
      live_simple: 258,
      live_multiple: 1053,
      multi_turn_base: 200,
      memory_kv: 155,
      web_search_base: 100,
    });
    const pick = rng(17);
    const cases = Array.from({ length: 10 }, (_, n) => {
      // n = 0: everything in full; then random subsets, some categories partial.
      const results: Record<string, { correct: number; total: number }> = {};
      for (const c of ALL) {
        if (n > 0 && pick() < 0.35) continue;
        const total = n > 0 && pick() < 0.3 ? 1 + Math.floor(pick() * sizes[c]!) : sizes[c]!;
        results[c] = { correct: Math.floor(pick() * (total + 1)), total };
      }
      return { id: `case${n}`, results };
    });
    const official = runOfficialLeaderboard(
      cases.map((c) => ({
        id: c.id,
        scores: Object.fromEntries(
          Object.entries(c.results).map(([k, r]) => [k, { accuracy: r.correct / r.total, total_count: r.total }]),
        ),
      })),
    );
    // BFCL prints "{:.2f}%": agreement to the printed precision (its rounding is half-even, toFixed's is not).
    const near = (ours: number, printed: string | null, label: string): void => {
      expect(printed, label).not.toBeNull();
      expect(Math.abs(100 * ours - Number(printed)), `${label}: ${100 * ours} vs ${printed}`).toBeLessThanOrEqual(
        0.005 + 1e-9,
      );
    };
    for (const [i, c] of cases.entries()) {
      const ours = leaderboardView(c.results, sizes);
      const ref = official[i]!;
      const section = (k: string): number => ours.sections.find((s) => s.key === k)!.accuracy;
      near(ours.overall, ref.overall, `${c.id} overall`);
      for (const k of ['non_live', 'live', 'multi_turn', 'agentic'] as const) near(section(k), ref[k], `${c.id} ${k}`);
      // BFCL prints the irrelevance summary only when both of its categories ran.
      if (ref.irrelevance !== null) near(section('irrelevance'), ref.irrelevance, `${c.id} irrelevance`);
      else expect(ours.sections.find((s) => s.key === 'irrelevance')!.complete).toBe(false);
    }
  }, 120_000);

  it('reports what was not run and how much of the overall the run can reach', () => {
    const sizes = bfclCategorySizes(ALL);
    const view = leaderboardView(
      { multi_turn_base: { correct: 50, total: 200 }, simple_python: { correct: 3, total: 4 } },
      sizes,
    );
    expect(view.categories['multi_turn_base']).toMatchObject({ status: 'run', accuracy: 0.25 });
    expect(view.categories['simple_python']).toMatchObject({ status: 'partial', accuracy: 0.75, total: 4, size: 400 });
    expect(view.categories['web_search_base']).toMatchObject({ status: 'not_run', total: 100 });
    expect(view.categories['web_search_base']!.reason).toMatch(/internet/);
    expect(view.categories['multiple']!.reason).toBe('not in this run');
    // overall = 10 · (0.75/3)/4 + 30 · 0.25/4; reachable = 10 · (1/3)/4 + 30 · 1/4
    expect(view.overall).toBeCloseTo((10 * 0.25 * 0.25 + 30 * 0.0625) / 100, 12);
    expect(view.maxReachable).toBeCloseTo((10 * (1 / 12) + 30 * 0.25) / 100, 12);
    expect(view.complete).toBe(false);
    // Everything toolgate can run offline, in full: all but web search, memory_vector and Java/JavaScript.
    const everything = leaderboardView(
      Object.fromEntries(RUNNABLE_CATEGORIES.map((c) => [c, { correct: sizes[c]!, total: sizes[c]! }])),
      sizes,
    );
    expect(everything.maxReachable).toBeCloseTo(1 - 0.2 - 0.4 / 6 - 0.1 / 6, 12);
    expect(everything.overall).toBeCloseTo(everything.maxReachable, 12);
  });
});
