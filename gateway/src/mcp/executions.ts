// What became of the MCP calls one model call made, shared with capture through the exchange's
// typed state: the run that executes the calls settles the log once they are done (with none
// when the model made no MCP call or the run ended first), and capture writes the exchange's
// record then, each call with its outcome — the `executable` label of the training data.
import { StateKey } from '../api/exchange-state.js';
import type { ExecutionOutcome } from './execute.js';

export interface ExecutedCall {
  server: string;
  name: string;
  /** The arguments as sent (repaired), or as the model wrote them when they stayed invalid. */
  arguments: string;
  outcome: ExecutionOutcome;
  error: string | null;
  ms: number;
}

export interface ExecutionLog {
  settled: Promise<ExecutedCall[]>;
}

export const TOOL_EXECUTIONS = new StateKey<ExecutionLog>('mcp_executions');

/** A log and the function that settles it (idempotent: the first settlement wins). */
export function executionLog(): { log: ExecutionLog; settle: (calls: ExecutedCall[]) => void } {
  let resolve!: (calls: ExecutedCall[]) => void;
  const settled = new Promise<ExecutedCall[]>((r) => (resolve = r));
  let done = false;
  return {
    log: { settled },
    settle: (calls) => {
      if (done) return;
      done = true;
      resolve(calls);
    },
  };
}
