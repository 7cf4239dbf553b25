// Loader for gateway/test/fixtures/toolcall-corpus.jsonl — shared by the library tests, the
// gateway's end-to-end corpus run (streaming and not) and bench/repair.ts.
import { readFileSync } from 'node:fs';
import type { RepairKind } from '../../src/toolcalls/repair-kinds.js';
import type { AssistantOutput, Outcome, ToolChoice, ToolDef } from '../../src/toolcalls/types.js';

export interface CorpusCase {
  id: string;
  /** The failure mode (or `valid_*` for calls that must pass unchanged). */
  mode: string;
  tools: ToolDef[];
  /** The upstream assistant message: raw `content` and/or parsed `tool_calls`. */
  output: AssistantOutput;
  tool_choice?: ToolChoice;
  expected: {
    outcome: Outcome;
    /** The exact calls after repair (empty for invalid/none). */
    calls: { name: string; arguments: Record<string, unknown> }[];
    /** Expected repair kinds, sorted. */
    repairs: RepairKind[];
    /** When present, the text that must remain as `content`. */
    content?: string | null;
  };
}

export const CORPUS_PATH = new URL('../fixtures/toolcall-corpus.jsonl', import.meta.url);

export function loadToolcallCorpus(path: URL | string = CORPUS_PATH): CorpusCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusCase);
}

/** Recoverable = the engine is expected to produce calls (valid or repaired). */
export const isRecoverable = (c: CorpusCase): boolean =>
  c.expected.outcome === 'valid' || c.expected.outcome === 'repaired';
export const isValidCase = (c: CorpusCase): boolean => c.mode.startsWith('valid_');
