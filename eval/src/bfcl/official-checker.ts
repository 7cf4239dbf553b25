// Runs the official Python checker (eval/python/official_checker.py, over the installed
// `bfcl-eval`) on a batch of cases: the reference our TypeScript checker is held to.
import { spawnSync } from 'node:child_process';
import { evalScript, pythonPath } from '../python-env.js';
import type { BfclCase } from './evaluate-entry.js';
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
      result: c.result === null ? null : Array.isArray(c.result) ? c.result.map((r) => ({ [r.name]: r.arguments })) : c.result,
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
