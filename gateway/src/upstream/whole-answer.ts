// A whole (non-stream) chat completion as the answer transforms see it, and back: each choice's
// message becomes one chunk whose delta carries the whole message, and what the transforms emit
// is assembled into the completion again. Only the message fields and finish_reason are rebuilt;
// every other field (id, usage, logprobs, vLLM extras) is kept from the upstream's answer.
import { withFields } from '../toolcalls/index.js';
import { ToolCallDeltas } from './tool-call-deltas.js';

/** One chat.completion.chunk as the answer transforms see it (api/answer-transform.ts reads the same shape). */
type Chunk = Record<string, unknown>;

/** An upstream answer the gateway cannot read as a chat completion (mapped to 502). */
export class BadUpstreamAnswer extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the shape the transforms rely on; throws BadUpstreamAnswer when it is not there. */
export function checkCompletionShape(json: Record<string, unknown>): Array<Record<string, unknown>> {
  const { choices } = json;
  if (!Array.isArray(choices)) throw new BadUpstreamAnswer('upstream answer has no choices array');
  for (const [i, choice] of choices.entries()) {
    if (!isObject(choice)) throw new BadUpstreamAnswer(`upstream choices[${i}] is not an object`);
    const m = choice.message;
    if (!isObject(m)) throw new BadUpstreamAnswer(`upstream choices[${i}].message is not an object`);
    if (m.content !== undefined && m.content !== null && typeof m.content !== 'string')
      throw new BadUpstreamAnswer(`upstream choices[${i}].message.content is not a string`);
    if (m.tool_calls !== undefined && m.tool_calls !== null && !Array.isArray(m.tool_calls))
      throw new BadUpstreamAnswer(`upstream choices[${i}].message.tool_calls is not an array`);
  }
  return choices as Array<Record<string, unknown>>;
}

/** One chunk per choice, in the stream's shape. */
export function completionToChunks(json: Record<string, unknown>): Chunk[] {
  const choices = checkCompletionShape(json);
  return choices.map((choice, i) => {
    const m = choice.message as Record<string, unknown>;
    const delta: Record<string, unknown> = { role: m.role ?? 'assistant' };
    if (typeof m.content === 'string') delta.content = m.content;
    for (const field of REASONING_FIELDS) if (typeof m[field] === 'string') delta[field] = m[field];
    if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      delta.tool_calls = m.tool_calls.map((tc, index) => (isObject(tc) ? { index, ...tc } : { index }));
    }
    return {
      id: json.id,
      object: 'chat.completion.chunk',
      created: json.created,
      model: json.model,
      choices: [
        {
          index: typeof choice.index === 'number' ? choice.index : i,
          delta,
          finish_reason: choice.finish_reason ?? null,
        },
      ],
    };
  });
}

/** vLLM 0.33 says `reasoning`; earlier versions and other servers say `reasoning_content`. */
export const REASONING_FIELDS = ['reasoning', 'reasoning_content'] as const;

interface Assembled {
  content: string | null;
  reasoning: Partial<Record<(typeof REASONING_FIELDS)[number], string>>;
  calls: ToolCallDeltas;
  finishReason: unknown;
  sawFinish: boolean;
}

/** Builds the completion to send from the upstream's answer and the chunks the transforms emitted. */
export function assembleCompletion(original: Record<string, unknown>, chunks: Chunk[]): Record<string, unknown> {
  const byIndex = new Map<number, Assembled>();
  let annotation: unknown;
  for (const chunk of chunks) {
    if (chunk.toolgate !== undefined) annotation = chunk.toolgate;
    for (const c of (chunk.choices as Array<Record<string, unknown>> | undefined) ?? []) {
      const index = typeof c.index === 'number' ? c.index : 0;
      let a = byIndex.get(index);
      if (!a)
        byIndex.set(
          index,
          (a = { content: null, reasoning: {}, calls: new ToolCallDeltas(), finishReason: null, sawFinish: false }),
        );
      const d = (c.delta ?? {}) as Record<string, unknown>;
      if (typeof d.content === 'string' && d.content !== '') a.content = (a.content ?? '') + d.content;
      for (const f of REASONING_FIELDS) if (typeof d[f] === 'string') a.reasoning[f] = (a.reasoning[f] ?? '') + d[f];
      a.calls.add(d.tool_calls);
      if (c.finish_reason !== undefined && c.finish_reason !== null) {
        a.finishReason = c.finish_reason;
        a.sawFinish = true;
      }
    }
  }
  const choices = (original.choices as Array<Record<string, unknown>>).map((choice, i) => {
    const index = typeof choice.index === 'number' ? choice.index : i;
    const a = byIndex.get(index);
    if (!a) return choice;
    const before = choice.message as Record<string, unknown>;
    // withFields, not `{ ...x, more }`: V8's slow path (toolcalls/safe-json.ts).
    const message = withFields(before, { content: a.content ?? (before.content === '' ? '' : null) });
    for (const f of REASONING_FIELDS)
      if (a.reasoning[f] !== undefined || f in before) message[f] = a.reasoning[f] ?? before[f] ?? null;
    const calls = a.calls.toolCalls();
    if (calls.length > 0) message.tool_calls = calls;
    else if (Array.isArray(before.tool_calls)) message.tool_calls = [];
    return withFields(choice, { message, finish_reason: a.sawFinish ? a.finishReason : choice.finish_reason });
  });
  const out = withFields(original, { choices });
  if (annotation !== undefined) out.toolgate = annotation;
  return out;
}
