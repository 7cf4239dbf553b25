// Checked calls → the OpenAI `tool_calls` array the gateway returns (ids kept when the upstream
// gave them, otherwise generated in vLLM's `chatcmpl-tool-…` style).
import { randomBytes } from 'node:crypto';
import type { CheckedCall } from './types.js';

export interface OpenAIToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export function toOpenAIToolCalls(calls: CheckedCall[], makeId: () => string = defaultId): OpenAIToolCallOut[] {
  return calls.map((c) => ({ id: c.id ?? makeId(), type: 'function', function: { name: c.name, arguments: c.argumentsJson } }));
}

const defaultId = (): string => `chatcmpl-tool-${randomBytes(16).toString('hex')}`;
