// Multi-turn and memory entries, as BFCL's own loader builds them (bfcl_eval.utils.load_dataset_entry:
// function docs per involved class with the language hint, missed functions held out per turn,
// the agentic answer-format system prompt, memory prerequisite conversations and their ordering),
// read through eval/python/bfcl_sidecar.py --dump so nothing of that logic is re-implemented here.
import { spawnSync } from 'node:child_process';
import { evalScript, pythonPath } from '../python-env.js';
import type { BfclFunctionDoc } from './ast-checker.js';

export interface BfclMessage {
  role: string;
  content: string;
  [k: string]: unknown;
}

export interface StatefulEntry {
  id: string;
  category: string;
  /** One list of messages per turn; a held-out-function turn is an empty list. */
  question: BfclMessage[][];
  function: BfclFunctionDoc[];
  /** Turn index → docs added at that turn (multi_turn_miss_func). */
  missed_function: Record<string, BfclFunctionDoc[]>;
  involved_classes: string[];
  /** Ids that must finish first (memory: the scenario's prerequisite conversations). */
  depends_on: string[];
  scenario: string | null;
  /** A memory prerequisite conversation: fills the memory, not scored. */
  prereq: boolean;
  /** multi-turn: the expected calls per turn; memory: the accepted answers; null for prerequisites. */
  ground_truth: string[][] | string[] | null;
}

export function loadStatefulCategories(categories: string[], python?: string): StatefulEntry[] {
  if (categories.length === 0) return [];
  const py = pythonPath(python);
  const run = spawnSync(py, [evalScript('bfcl_sidecar.py'), '--dump', ...categories], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (run.status !== 0) {
    const why = run.error?.message ?? run.stderr.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`cannot read BFCL categories ${categories.join(', ')} through ${py}: ${why}`);
  }
  return run.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as StatefulEntry);
}
