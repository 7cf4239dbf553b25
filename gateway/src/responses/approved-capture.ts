// The capture record of an MCP call that ran after the client approved it: the model made the
// call in an earlier response (whose record had nothing executed yet), so the run that executes
// it writes one record of its own — the conversation up to the call, the offered tools, the call
// and its outcome — and every executed call carries the `executable` label.
import { randomUUID } from 'node:crypto';
import type { Capture } from '../capture/pipeline.js';
import type { ToolCallRecord } from '../capture/record.js';
import type { ExecutedCall } from '../mcp/executions.js';
import { rawModelText } from '../toolcalls/index.js';
import type { ChatMessage } from './input-items.js';
import type { Obj } from './protocol.js';

export interface ApprovedCall {
  requestId: string;
  conversationId: string | null;
  model: string;
  messages: ChatMessage[];
  tools: Obj[];
  name: string;
  execution: ExecutedCall;
}

export function captureApprovedCall(capture: Capture, c: ApprovedCall): void {
  const invalid = c.execution.outcome === 'schema_invalid';
  let args: Record<string, unknown> = {};
  try {
    args = JSON.parse(c.execution.arguments) as Record<string, unknown>;
  } catch {
    /* an invalid call's text: recorded as the raw output only */
  }
  const record: ToolCallRecord = {
    kind: 'tool_call',
    v: 1,
    id: randomUUID(),
    ts: new Date().toISOString(),
    requestId: c.requestId,
    conversationId: c.conversationId,
    model: c.model,
    variant: null,
    backend: null,
    messages: c.messages,
    tools: c.tools as ToolCallRecord['tools'],
    rawOutput: rawModelText(null, [{ function: { name: c.name, arguments: c.execution.arguments } }]),
    outcome: invalid ? 'invalid' : 'valid',
    repairs: [],
    errors: invalid && c.execution.error ? [c.execution.error] : [],
    calls: invalid ? null : [{ name: c.name, arguments: args }],
    latency: { ttftMs: null, e2eMs: c.execution.ms },
    executions: [c.execution],
    executable: c.execution.outcome === 'ok',
  };
  capture.offer(record);
}
