// Runs BFCL's official Python code over the installed `bfcl-eval` on a batch of cases — the AST
// checker (eval/python/official_checker.py) and the multi-turn/agentic runner
// (eval/python/official_runner.py): the references our TypeScript side is held to.
import { spawnSync } from 'node:child_process';
import { evalScript, pythonPath } from '../python-env.js';
import type { BfclCase } from './evaluate-entry.js';
import type { MultiTurnResult } from './multi-turn-checker.js';
import { pyToJson } from './py-value.js';

export interface OfficialVerdict {
  id: string;
  valid: boolean;
  error_type: string | null;
}

export function runOfficialChecker(cases: (BfclCase & { id: string; underscoreToDot?: boolean })[]): OfficialVerdict[] {
  const lines = cases.map((c) => {
    const gt = c.groundTruth ? `[${c.groundTruth.map(pyToJson).join(', ')}]` : 'null';
    const head = JSON.stringify({
      id: c.id,
      category: c.category,
      functions: c.functions,
      result:
        c.result === null
          ? null
          : Array.isArray(c.result)
            ? c.result.map((r) => ({ [r.name]: r.arguments }))
            : c.result,
      underscore_to_dot: c.underscoreToDot ?? true,
    });
    // ground_truth is spliced in as Python-faithful JSON (5.0 stays a float).
    return `${head.slice(0, -1)}, "ground_truth": ${gt}}`;
  });
  const run = spawnSync(pythonPath(), [evalScript('official_checker.py')], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`official checker failed (${run.status}): ${run.stderr || run.error?.message}`);
  return run.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OfficialVerdict);
}

export interface OfficialMultiTurnVerdict extends OfficialVerdict {
  /** Per turn, per step, the call strings eval_runner hands to the multi-turn checker (null for memory / non-list results). */
  decoded: string[][][] | null;
}

/** BFCL's result shape: each step's model_responses as [{name: arguments}] or the content. */
const toPyResult = (result: MultiTurnResult): unknown =>
  typeof result === 'string'
    ? result
    : result.map((turn) =>
        turn.map((step) => (Array.isArray(step) ? step.map((c) => ({ [c.name]: c.arguments })) : step)),
      );

/** Recorded multi-turn / memory results judged by BFCL's official runner (eval/python/official_runner.py). */
export function runOfficialMultiTurn(
  cases: { id: string; category: string; entryId: string; result: MultiTurnResult }[],
): OfficialMultiTurnVerdict[] {
  const input =
    cases
      .map((c) => JSON.stringify({ id: c.id, category: c.category, entry_id: c.entryId, result: toPyResult(c.result) }))
      .join('\n') + '\n';
  const run = spawnSync(pythonPath(), [evalScript('official_runner.py')], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new Error(`official runner failed (${run.status}): ${run.stderr.slice(-2000) || run.error?.message}`);
  return run.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OfficialMultiTurnVerdict);
}

/** An entry's ground-truth calls as tool calls ({name, arguments}), positional arguments bound by name. */
export function groundTruthCalls(
  entries: { category: string; id: string }[],
): Map<string, { name: string; arguments: Record<string, unknown> }[][]> {
  const input = entries.map((e) => JSON.stringify({ category: e.category, entry_id: e.id })).join('\n') + '\n';
  const run = spawnSync(pythonPath(), [evalScript('official_runner.py'), '--gt-calls'], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new Error(`official runner --gt-calls failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const out = new Map<string, { name: string; arguments: Record<string, unknown> }[][]>();
  for (const line of run.stdout.split('\n').filter((l) => l.trim())) {
    const r = JSON.parse(line) as { entry_id: string; turns: { name: string; arguments: Record<string, unknown> }[][] };
    out.set(r.entry_id, r.turns);
  }
  return out;
}

export interface OfficialLeaderboard {
  id: string;
  /** Percentages as BFCL prints them ("12.34"); null where it prints N/A. */
  overall: string | null;
  non_live: string | null;
  live: string | null;
  irrelevance: string | null;
  multi_turn: string | null;
  agentic: string | null;
}

/** BFCL's generate_leaderboard_csv on per-category results (eval/python/official_leaderboard.py). */
export function runOfficialLeaderboard(
  cases: { id: string; scores: Record<string, { accuracy: number; total_count: number }> }[],
): OfficialLeaderboard[] {
  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const run = spawnSync(pythonPath(), [evalScript('official_leaderboard.py')], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`official leaderboard failed (${run.status}): ${run.stderr.slice(-2000)}`);
  return run.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OfficialLeaderboard);
}
