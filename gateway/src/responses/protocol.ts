// The Responses API objects the gateway reads and writes (OpenAI's API reference and the openai
// SDK's resources/responses/responses.d.ts; vLLM 0.33's entrypoints/openai/responses/protocol.py
// for the fields vLLM adds). Only what the gateway produces or interprets is typed; other
// fields of input items pass through as the client sent them.
import { randomUUID } from 'node:crypto';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An item id with OpenAI's prefixes: resp, msg, rs, fc, mcp, mcpl, mcpr. */
export const newId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface MessageItem {
  type: 'message';
  id: string;
  role: 'assistant';
  status: ItemStatus;
  content: OutputText[];
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  content: { type: 'reasoning_text'; text: string }[];
  status?: ItemStatus;
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export interface McpToolInfo {
  name: string;
  description: string | null;
  input_schema: unknown;
  annotations: unknown;
}

export interface McpListToolsItem {
  type: 'mcp_list_tools';
  id: string;
  server_label: string;
  tools: McpToolInfo[];
  error: string | null;
}

export interface McpCallItem {
  type: 'mcp_call';
  id: string;
  server_label: string;
  name: string;
  arguments: string;
  output: string | null;
  error: string | null;
  status: 'in_progress' | 'calling' | 'completed' | 'failed';
  approval_request_id: string | null;
}

export interface McpApprovalRequestItem {
  type: 'mcp_approval_request';
  id: string;
  server_label: string;
  name: string;
  arguments: string;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type OutputItem =
  MessageItem | ReasoningItem | FunctionCallItem | McpListToolsItem | McpCallItem | McpApprovalRequestItem;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The Response object (GET /v1/responses/{id}, the non-stream answer, the stream's envelope). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  completed_at: number | null;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  metadata: Obj | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: Obj | null;
  service_tier: string;
  store: boolean;
  temperature: number | null;
  text: Obj;
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: string;
  usage: ResponseUsage | null;
  user: string | null;
  background: false;
  /** Toolgate's verdict on each model call's tool calls (the `toolgate.tool_calls` of chat). */
  toolgate?: { tool_calls: unknown[] };
}
