// Streaming tool-call handling: text deltas flow at once; tool-call material — vLLM's parsed
// `delta.tool_calls` fragments and raw `<tool_call>`/JSON text in `content` — is held until the
// call is complete. Under the repair policy a complete call outside <think> that checks valid on
// its own is emitted at once as proper OpenAI tool_call deltas; everything else waits for the
// verdict on the whole message at the finish chunk. No raw call text ever reaches `content`.
import { ToolCallStreamSplitter, toOpenAIToolCalls, type OpenAIToolCall, type ToolCallReport } from '../../toolcalls/index.js';
import type { ChunkTransform } from '../../upstream/stream-relay.js';
import { ToolCallDeltas } from '../../upstream/tool-call-deltas.js';

type Chunk = Record<string, unknown>;

export interface StreamFinalizer {
  /** Checks the held material and returns the verdict to emit (may re-ask upstream: retry policy). */
  finalize(output: { content: string; toolCalls: OpenAIToolCall[]; reasoning: string | null }): ToolCallReport | Promise<ToolCallReport>;
  /** The annotation object for the final chunk (`toolgate` field), or an error object to end the stream with. */
  annotate(report: ToolCallReport): { annotation: Record<string, unknown>; error?: Record<string, unknown> };
  /**
   * Checks one complete call on its own, for emitting it before the message ends; absent when the
   * policy needs the whole message first (retry and reject can still change or refuse it).
   */
  checkEarly?(output: { content?: string; toolCalls?: OpenAIToolCall[] }): ToolCallReport;
}

const callKey = (c: { name: string; argumentsJson: string }) => `${c.name}\u0000${c.argumentsJson}`;

/**
 * `holdAll`: the whole content is the call (named or `required` tool_choice: vLLM's guided output
 * is bare JSON), so nothing is forwarded as text until the verdict.
 */
export function createToolCallStreamTransform(toolNames: string[], finalizer: StreamFinalizer, opts: { holdAll?: boolean } = {}): ChunkTransform {
  const splitter = new ToolCallStreamSplitter({ toolNames, think: 'text' });
  let heldText = '';
  // reasoning_content as vLLM's reasoning parser streamed it: calls that stood only in <think>
  // are recovered from it, exactly as in the non-stream path.
  let reasoning: string | null = null;
  const held = new ToolCallDeltas();
  /** Parsed (delta.tool_calls) indices already checked early. */
  const checkedEarly = new Set<number>();
  /** Calls already sent to the client, by key, and how many (the next tool_call index). */
  const emittedKeys: string[] = [];
  let template: Chunk | null = null;
  let done = false;
  let failed = false;

  const base = (): Chunk => ({ id: template?.id, object: template?.object ?? 'chat.completion.chunk', created: template?.created, model: template?.model });
  const deltaChunk = (delta: Chunk, finish: string | null = null): Chunk => ({
    ...base(),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const textOf = (events: ReturnType<ToolCallStreamSplitter['push']>) => {
    let content = '';
    let reasoning = '';
    for (const e of events) {
      if (e.type === 'text') content += e.text;
      else if (e.type === 'reasoning') reasoning += e.text;
    }
    return { content, reasoning };
  };

  const isEarlyCandidate = (e: ReturnType<ToolCallStreamSplitter['push']>[number]) => e.type === 'call' && e.complete && !e.inThink && !!finalizer.checkEarly;
  const textDelta = (t: { content: string; reasoning: string }): Chunk => ({ ...(t.content ? { content: t.content } : {}), ...(t.reasoning ? { reasoning_content: t.reasoning } : {}) });

  /** Emits a complete call now when it checks valid by itself (repair policy only). */
  const tryEarly = (output: { content?: string; toolCalls?: OpenAIToolCall[] }, out: Chunk[]): void => {
    if (!finalizer.checkEarly) return;
    const report = finalizer.checkEarly(output);
    if (report.calls.length === 0 || !report.calls.every((c) => c.valid)) return;
    toOpenAIToolCalls(report.calls).forEach((call, i) => {
      out.push(deltaChunk({ tool_calls: [{ index: emittedKeys.length, ...call }] }));
      emittedKeys.push(callKey(report.calls[i]!));
    });
  };

  async function finish(finishChunk: Chunk | null, finishReason: string | null): Promise<Chunk[]> {
    done = true;
    const out: Chunk[] = [];
    const tail = opts.holdAll ? { content: '', reasoning: '' } : textOf(splitter.finish());
    if (tail.content) out.push(deltaChunk({ content: tail.content }));
    const toolCalls: OpenAIToolCall[] = held.toolCalls();
    const report = await finalizer.finalize({ content: opts.holdAll ? heldText : (splitter.callOutput().content ?? ''), toolCalls, reasoning });
    const { annotation, error } = finalizer.annotate(report);
    if (error) {
      failed = true;
      out.push(error);
      return out;
    }
    if (opts.holdAll && report.content) out.push(deltaChunk({ content: report.content }));
    // The verdict on the whole message decides; calls it already sent early are not sent again.
    const unsent = [...emittedKeys];
    const rest = report.calls.filter((c) => {
      if (!c.valid) return false;
      const at = unsent.indexOf(callKey(c));
      if (at < 0) return true;
      unsent.splice(at, 1);
      return false;
    });
    const first = emittedKeys.length;
    toOpenAIToolCalls(rest).forEach((call, i) => out.push(deltaChunk({ tool_calls: [{ index: first + i, ...call }] })));
    const total = first + rest.length;
    const reason = total > 0 ? 'tool_calls' : finishReason === 'tool_calls' ? 'stop' : (finishReason ?? 'stop');
    const final: Chunk = finishChunk ? { ...finishChunk } : deltaChunk({}, reason);
    const choice = { ...((final.choices as Chunk[] | undefined)?.[0] ?? {}) };
    choice.delta = {};
    choice.finish_reason = reason;
    final.choices = [choice];
    final.toolgate = { tool_calls: annotation };
    out.push(final);
    return out;
  }

  return {
    chunk(chunk) {
      if (failed) return [];
      template ??= chunk;
      const choices = chunk.choices as Chunk[] | undefined;
      if (!Array.isArray(choices) || choices.length === 0 || done) return [chunk];
      const choice = choices.find((c) => (c.index ?? 0) === 0);
      if (!choice) return [chunk];
      const delta = { ...((choice.delta as Chunk | undefined) ?? {}) };
      const out: Chunk[] = [];
      for (const index of held.add(delta.tool_calls)) {
        // vLLM streams parsed calls in index order: a later index means the earlier ones are complete.
        for (const i of held.indices()) {
          if (i < index && !checkedEarly.has(i)) {
            checkedEarly.add(i);
            tryEarly({ toolCalls: [held.get(i)!] }, out);
          }
        }
      }
      delete delta.tool_calls;
      if (typeof delta.reasoning_content === 'string') reasoning = (reasoning ?? '') + delta.reasoning_content;
      if (opts.holdAll && typeof delta.content === 'string') {
        heldText += delta.content;
        delete delta.content;
      } else if (typeof delta.content === 'string' && delta.content !== '') {
        // Text before a complete call goes out before that call's deltas, in order.
        let events = splitter.push(delta.content);
        for (let i = events.findIndex(isEarlyCandidate); i >= 0; i = events.findIndex(isEarlyCandidate)) {
          const before = textOf(events.slice(0, i));
          if (before.content || before.reasoning) out.push({ ...chunk, choices: [{ ...choice, delta: textDelta(before), finish_reason: null }] });
          tryEarly({ content: (events[i] as { raw: string }).raw }, out);
          events = events.slice(i + 1);
        }
        const { content, reasoning } = textOf(events);
        if (content) delta.content = content;
        else delete delta.content;
        if (reasoning) delta.reasoning_content = `${typeof delta.reasoning_content === 'string' ? delta.reasoning_content : ''}${reasoning}`;
      }
      const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
      const meaningful = Object.keys(delta).some((k) => k === 'role' || (delta[k] !== '' && delta[k] !== null && delta[k] !== undefined));
      if (!finishReason) {
        if (meaningful) out.push({ ...chunk, choices: [{ ...choice, delta }] });
        return out;
      }
      if (meaningful) out.push({ ...chunk, choices: [{ ...choice, delta, finish_reason: null }] });
      const rest = finish({ ...chunk, choices: [{ ...choice }] }, finishReason);
      return rest.then((tail) => [...out, ...tail]);
    },
    end() {
      if (done || failed) return [];
      return finish(null, null);
    },
  };
}
