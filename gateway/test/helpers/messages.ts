// Reads an answer the way a client does: a whole chat completion, or an SSE stream reassembled
// from its deltas, into one comparable view (content, calls, finish reason, verdict).
import { sseData } from './stack.js';

export interface ClientView {
  content: string | null;
  toolCalls: Array<{ name: string; arguments: string }>;
  finishReason: string | null;
  annotation: {
    outcome: string;
    errors: Array<{ tool: string | null; pointer: string; message: string }>;
    retries?: number;
    repairs: string[];
  };
}

type Annotation = ClientView['annotation'];

export function wholeMessage(json: unknown): ClientView {
  const body = json as {
    choices: Array<{
      message: { content: string | null; tool_calls?: Array<{ function: { name: string; arguments: string } }> };
      finish_reason: string | null;
    }>;
    toolgate?: { tool_calls: Annotation };
  };
  const choice = body.choices[0]!;
  return {
    content: choice.message.content ?? null,
    toolCalls: (choice.message.tool_calls ?? []).map((t) => ({
      name: t.function.name,
      arguments: t.function.arguments,
    })),
    finishReason: choice.finish_reason,
    annotation: body.toolgate?.tool_calls as Annotation,
  };
}

export function assembleStream(text: string): ClientView {
  const events = sseData(text) as Array<{
    choices?: Array<{
      delta?: {
        content?: string | null;
        tool_calls?: Array<{ index: number; function?: { name?: string; arguments?: string } }>;
      };
      finish_reason?: string | null;
    }>;
    toolgate?: { tool_calls: Annotation };
    error?: unknown;
  }>;
  let content: string | null = null;
  let finishReason: string | null = null;
  let annotation: Annotation | undefined;
  const calls = new Map<number, { name: string; arguments: string }>();
  for (const e of events) {
    if (e.toolgate?.tool_calls) annotation = e.toolgate.tool_calls;
    const c = e.choices?.[0];
    if (!c) continue;
    if (typeof c.delta?.content === 'string' && c.delta.content !== '') content = (content ?? '') + c.delta.content;
    for (const t of c.delta?.tool_calls ?? []) {
      const cur = calls.get(t.index) ?? { name: '', arguments: '' };
      cur.name += t.function?.name ?? '';
      cur.arguments += t.function?.arguments ?? '';
      calls.set(t.index, cur);
    }
    if (c.finish_reason) finishReason = c.finish_reason;
  }
  return {
    content,
    toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, v]) => v),
    finishReason,
    annotation: annotation as Annotation,
  };
}
