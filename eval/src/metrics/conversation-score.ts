// Scores one BFCL multi-turn or memory conversation from its recorded requests: BFCL's verdict
// (multi-turn: state + response checkers on replayed calls; memory: the agentic answer checker)
// and counts of what happened in it.
import { checkAgentic } from '../bfcl/agentic-checker.js';
import { fcResult } from '../bfcl/evaluate-entry.js';
import { checkMultiTurn, type MultiTurnResult } from '../bfcl/multi-turn-checker.js';
import type { BfclSidecar } from '../bfcl/sidecar.js';
import type { EvalItem } from '../dataset.js';
import type { RawRecord } from '../run/raw-store.js';
import { emptyScore, type ItemScore } from './item-score.js';

/** BFCL's `result` for the entry: model_responses per turn and step, or its inference-error text. */
export function conversationResult(record: RawRecord): MultiTurnResult {
  if (record.status !== 'ok') return `Error during inference: ${record.error?.message ?? ''}`;
  return (record.turns ?? []).map((steps) => steps.map((s) => (s.message ? fcResult(s.message) : null)));
}

export async function scoreConversation(
  item: EvalItem,
  record: RawRecord | undefined,
  sidecar: () => BfclSidecar,
): Promise<ItemScore> {
  const entry = item.conversation!;
  const score = emptyScore(item, record, 'conversation');
  if (!record || record.status === 'error') return score; // unsettled: re-sent on resume, not scored
  const result = conversationResult(record);
  score.bfcl = entry.category.startsWith('memory')
    ? checkAgentic(result, entry.ground_truth as string[])
    : await checkMultiTurn(
        { id: entry.id, category: entry.category, ground_truth: entry.ground_truth as string[][] },
        result,
        sidecar(),
      );
  if (record.status === 'ok') {
    const steps = (record.turns ?? []).flat();
    const results = steps.flatMap((s) => s.results ?? []);
    score.conversation = {
      turns: record.turns?.length ?? 0,
      steps: steps.length,
      toolCalls: steps.reduce((n, s) => n + (s.calls?.length ?? 0), 0),
      executionErrors: results.filter((r) => r.startsWith('Error during execution')).length,
      refusedCalls: steps.reduce((n, s) => n + (s.refused?.length ?? 0), 0),
      forceQuit: record.force_quit === true,
      latencyMs: record.latency_ms,
    };
  }
  return score;
}
