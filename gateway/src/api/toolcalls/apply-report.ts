// Turns the engine's verdict on one assistant message into what the client receives: valid (or
// repaired) calls as proper OpenAI tool_calls, the remaining text as content, no raw <tool_call>
// markup, and the verdict itself in a `toolgate` annotation. Invalid calls are withheld and
// reported, never passed off as valid.
import type { ToolCallReport } from '../../toolcalls/index.js';
import { toOpenAIToolCalls } from '../../toolcalls/index.js';
import type { ToolCallPolicy } from './policy.js';

export interface ToolCallAnnotation {
  outcome: ToolCallReport['outcome'];
  policy: ToolCallPolicy;
  repairs: string[];
  errors: ToolCallReport['errors'];
  /** Upstream re-asks made by the retry policy. */
  retries?: number;
}

export function annotationOf(report: ToolCallReport, policy: ToolCallPolicy, retries?: number): ToolCallAnnotation {
  return { outcome: report.outcome, policy, repairs: report.repairs, errors: report.errors, ...(retries ? { retries } : {}) };
}

/** Rewrites a non-stream choice in place according to the report. */
export function applyToChoice(choice: Record<string, unknown>, report: ToolCallReport): void {
  const message = (choice.message ?? {}) as Record<string, unknown>;
  const good = report.calls.filter((c) => c.valid);
  message.content = report.content;
  message.tool_calls = toOpenAIToolCalls(good);
  choice.message = message;
  if (good.length > 0) choice.finish_reason = 'tool_calls';
  else if (choice.finish_reason === 'tool_calls') choice.finish_reason = 'stop';
}

/** Worst outcome across choices: invalid > repaired > valid > none. */
export function worstOutcome(outcomes: ToolCallReport['outcome'][]): ToolCallReport['outcome'] {
  const rank = { none: 0, valid: 1, repaired: 2, invalid: 3 } as const;
  return outcomes.reduce<ToolCallReport['outcome']>((w, o) => (rank[o] > rank[w] ? o : w), 'none');
}

export function errorSummary(report: ToolCallReport): string {
  return report.errors
    .slice(0, 5)
    .map((e) => `${e.tool ?? '?'}${e.pointer ? ' ' + e.pointer : ''}: ${e.message}`)
    .join('; ');
}
