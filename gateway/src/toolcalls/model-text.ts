// A model's output as Qwen3 text. When vLLM's parser had already split an answer into content and
// tool_calls, the calls are written back as the `<tool_call>` blocks the model emitted: that is
// what a DPO `rejected` answer must look like, and what a client is shown when a parsed call it
// cannot use is returned as text.
import type { CheckedCall } from './types.js';

/** One call as a Qwen3 `<tool_call>` block (arguments kept as written when they are not JSON). */
export function toolCallBlock(name: unknown, args: unknown): string {
  let value: unknown = args ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      // Unparseable arguments stay as the model wrote them (a string).
    }
  }
  return `<tool_call>\n${JSON.stringify({ name: name ?? '', arguments: value })}\n</tool_call>`;
}

/** Content plus parsed tool_calls as one Qwen3 text. */
export function rawModelText(content: string | null, toolCalls: unknown): string {
  const calls = Array.isArray(toolCalls) ? toolCalls : [];
  const blocks = calls.map((tc) => {
    const fn = ((tc ?? {}) as { function?: { name?: unknown; arguments?: unknown } }).function ?? {};
    return toolCallBlock(fn.name, fn.arguments);
  });
  return [content ?? '', ...blocks].filter((p) => p !== '').join('\n');
}

/** The text a checked call came from: its source text, or a `<tool_call>` block for a parsed call. */
export function callText(call: CheckedCall): string {
  if (call.source !== 'tool_calls') return call.raw;
  try {
    const tc = JSON.parse(call.raw) as { function?: { name?: unknown; arguments?: unknown } } | null;
    return toolCallBlock(tc?.function?.name, tc?.function?.arguments);
  } catch {
    return call.raw;
  }
}
