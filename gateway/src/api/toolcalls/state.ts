// The tool-call plugin's per-exchange state, shared with capture and experiments through a typed
// state key (exchange-state.ts): the policy, the compiled tools, the verdict and the raw output.
import type { CompiledTools, ToolCallReport, ToolDef } from '../../toolcalls/index.js';
import type { AssembledCall } from '../../upstream/tool-call-deltas.js';
import { StateKey } from '../exchange-state.js';
import type { ToolCallPolicy } from './policy.js';

export interface ToolCallState {
  policy: ToolCallPolicy;
  tools: ToolDef[];
  compiled: CompiledTools;
  /** The client's tool_choice: its meaning is kept whatever the pod is asked (parse-mode.ts). */
  toolChoice: unknown;
  /** Who read the model's output into calls: the gateway (the pod sent raw text) or the pod's parser. */
  parse: 'gateway' | 'pod';
  /**
   * The gateway served the client's forced tool_choice with guided JSON (forced-choice.ts): the
   * answer is vLLM's JSON tool-call format, bare arguments for a named choice included.
   */
  guided: boolean;
  /** The verdict on the first choice, once known (after any re-ask). */
  report: ToolCallReport | null;
  /** The verdict per choice index. */
  reports: Map<number, ToolCallReport>;
  /** What the upstream produced for the first choice, before any rewrite (for capture). */
  rawOutput: { content: string | null; tool_calls?: AssembledCall[] } | null;
  /** Upstream re-asks made by the retry policy. */
  retries: number;
}

export const TOOL_CALLS = new StateKey<ToolCallState>('toolcalls');
