// Public types of the tool-call engine. Shapes follow the OpenAI chat API so the gateway can pass
// request/response fragments straight in.
import type { RepairKind } from './repair-kinds.js';

export interface ToolFunction {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean;
}
export interface ToolDef {
  type: 'function';
  function: ToolFunction;
}

export interface OpenAIToolCall {
  id?: string;
  type?: 'function' | string;
  index?: number;
  function: { name?: string | null; arguments?: string | Record<string, unknown> | null };
}

export interface AssistantOutput {
  content?: string | null;
  tool_calls?: OpenAIToolCall[] | null;
  reasoning_content?: string | null;
  /** vLLM 0.33's name for the reasoning parser's output (`reasoning_content` is older servers'). */
  reasoning?: string | null;
}

export type Outcome = 'none' | 'valid' | 'repaired' | 'invalid';

export interface CallError {
  /** Resolved tool name, the name as written when unresolved, or null when none could be read. */
  tool: string | null;
  /** JSON pointer into the call's arguments ('' = the call itself). */
  pointer: string;
  message: string;
}

export interface CheckedCall {
  id?: string;
  /** Resolved tool name ('' when no name could be read). */
  name: string;
  arguments: Record<string, unknown>;
  /** Canonical arguments JSON as sent to the client (`JSON.stringify(arguments)`). */
  argumentsJson: string;
  repairs: RepairKind[];
  errors: CallError[];
  valid: boolean;
  /** True when the call was recovered from inside <think>. */
  fromThink: boolean;
  /** Where it was found: the upstream's parsed `tool_calls`, or text (a tag, fence, bare JSON, Python call). */
  source: 'tool_calls' | 'tag' | 'fence' | 'bare' | 'python';
  /** The source text (or parsed-call JSON) the call came from, for capture. */
  raw: string;
}

export interface ToolCallReport {
  outcome: Outcome;
  calls: CheckedCall[];
  /** The assistant text with every call segment removed (null when nothing but calls remained). */
  content: string | null;
  /** Union of the calls' repair kinds plus extraction-level ones, first-seen order. */
  repairs: RepairKind[];
  /** Every call's errors plus extraction-level ones. */
  errors: CallError[];
}

export type ToolChoice =
  'auto' | 'none' | 'required' | { type?: string; function?: { name?: string } } | null | undefined;

export interface CheckOptions {
  toolChoice?: ToolChoice | unknown;
  /**
   * The output was guided to vLLM's JSON tool-call format for this tool_choice (the gateway served
   * a forced choice with structured outputs): bare arguments under a named choice are the form
   * asked for, not a repair.
   */
  guided?: boolean;
}
