// The verdict as the client reads it: the `toolgate.tool_calls` annotation (outcome, policy,
// repairs, errors, re-asks), the worst outcome across choices (the x-toolgate-toolcalls header)
// and a one-line error summary (re-ask feedback, the reject policy's error message).
import type { ToolCallReport } from '../../toolcalls/index.js';
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
  return {
    outcome: report.outcome,
    policy,
    repairs: report.repairs,
    errors: report.errors,
    ...(retries ? { retries } : {}),
  };
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
