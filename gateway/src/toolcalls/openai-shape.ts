// Checked calls → the OpenAI `tool_calls` array the gateway returns (ids kept when the upstream
// gave them, otherwise generated in vLLM's `chatcmpl-tool-…` style).
import { randomUUID } from 'node:crypto';
import type { CheckedCall } from './types.js';

export interface OpenAIToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A new call id as vLLM makes them (`chatcmpl-tool-` + 32 hex digits); randomUUID draws from a pooled buffer. */
export const toolCallId = (): string => `chatcmpl-tool-${randomUUID().replaceAll('-', '')}`;

export function toOpenAIToolCall(c: CheckedCall, makeId: () => string = toolCallId): OpenAIToolCallOut {
  return { id: c.id ?? makeId(), type: 'function', function: { name: c.name, arguments: c.argumentsJson } };
}

export function toOpenAIToolCalls(calls: CheckedCall[], makeId: () => string = toolCallId): OpenAIToolCallOut[] {
  return calls.map((c) => toOpenAIToolCall(c, makeId));
}
