// The tool-call answer transform (one per answer, streamed or whole; see answer-transform.ts).
// For each choice, text flows on at once; tool-call material — call-like text segments in
// `content` (found by the engine's streaming splitter) and the upstream's parsed `tool_calls` —
// is held until it is complete. The policy's judge (judges.ts) may send a complete call at once;
// at the end of the message it decides what else to send: the remaining calls, and as text
// whatever the model wrote that is not sent as a call (so an answer is never emptied). With
// `holdUntilCommit` (reject), nothing at all passes until the first call is sent or the answer
// ends, so a refusal can still become an HTTP error.
import { ToolCallStreamSplitter, withFields, type NameResolver } from '../../toolcalls/index.js';
import type { AnswerTransform, Chunk, Chunks } from '../answer-transform.js';
import { ToolCallDeltas, type AssembledCall } from '../../upstream/tool-call-deltas.js';
import { REASONING_FIELDS } from '../../upstream/whole-answer.js';

export interface OutCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface Segment {
  raw: string;
  inThink: boolean;
  /** False when the answer ended inside it (cut off). */
  complete: boolean;
  /** Already sent as call(s) by `early`. */
  sent: boolean;
}

export interface ParsedCall {
  call: AssembledCall;
  sent: boolean;
}

export interface FinishedMessage {
  /** The choice's index. */
  index: number;
  segments: Segment[];
  parsed: ParsedCall[];
  /** The upstream's reasoning (its reasoning parser's output), null when it sent none. */
  reasoning: string | null;
  /** Under `holdAll`, the whole content (it is the call). */
  heldContent: string | null;
  /** Everything the upstream sent as content, as it sent it (for capture). */
  content: string;
  /** Calls sent so far, in order. */
  sent: OutCall[];
  finishReason: string | null;
}

export interface FinishDecision {
  /** More calls to send, after the ones sent early. */
  calls: OutCall[];
  /** Text to send as content (the model's text that is not sent as a call). */
  text: string;
  /** The verdict, sent as `toolgate.tool_calls` on the finishing chunk. */
  annotation: Record<string, unknown>;
}

/** How a policy judges calls; `finish` may re-ask upstream (retry) or throw a GatewayError (reject). */
export interface ToolCallJudge {
  early?(item: { segment: string } | { parsed: AssembledCall }): OutCall[] | null;
  finish(message: FinishedMessage): FinishDecision | Promise<FinishDecision>;
}

export interface TransformOptions {
  /** The request's tool names, as its compiled tools resolve them (shared by every answer). */
  resolver: NameResolver;
  /** Named or `required` tool_choice answered as bare JSON: the whole content is the call. */
  holdAll?: boolean;
  /** reject: hold every chunk until a call is sent or the answer ends. */
  holdUntilCommit?: boolean;
}

class ChoiceState {
  readonly splitter: ToolCallStreamSplitter;
  readonly deltas = new ToolCallDeltas();
  readonly parsedDone = new Set<number>();
  readonly parsedSent = new Set<number>();
  readonly segments: Segment[] = [];
  readonly sent: OutCall[] = [];
  reasoning: string | null = null;
  heldContent = '';
  /** Content pieces as received (joined once, at the end). */
  readonly content: string[] = [];
  /** The content opened a <think> region (so a later </think> is not an orphan). */
  sawThinkOpen = false;
  /**
   * Keys of calls already sent that an orphan </think> showed were drafts inside a region the
   * prompt had opened: their copy after </think> is the same call, not a second one.
   */
  readonly draftKeys: string[] = [];
  done = false;

  constructor(resolver: NameResolver) {
    this.splitter = new ToolCallStreamSplitter({ resolver, think: 'text' });
  }
}

const callKey = (c: OutCall) => `${c.function.name}\u0000${c.function.arguments}`;

/** A `</think>` with no `<think>` before it closes a region the prompt opened: what was sent so far were drafts. */
function noteThink(s: ChoiceState, text: string): void {
  if (s.sawThinkOpen) return;
  const open = text.indexOf('<think>');
  const close = text.indexOf('</think>');
  if (close >= 0 && (open < 0 || close < open)) {
    for (const seg of s.segments) seg.inThink = true;
    s.draftKeys.push(...s.sent.map(callKey));
  }
  if (open >= 0 || close >= 0) s.sawThinkOpen = true;
}

/** Whether every call is a copy of a draft already sent (then it is not sent again). */
function isDraftCopy(s: ChoiceState, calls: OutCall[]): boolean {
  const keys = [...s.draftKeys];
  for (const c of calls) {
    const at = keys.indexOf(callKey(c));
    if (at < 0) return false;
    keys.splice(at, 1);
  }
  s.draftKeys.splice(0, s.draftKeys.length, ...keys);
  return true;
}

export function createToolCallTransform(judge: ToolCallJudge, opts: TransformOptions): AnswerTransform {
  const choices = new Map<number, ChoiceState>();
  let template: Chunk | null = null;
  let committed = !opts.holdUntilCommit;
  const held: Chunks = [];

  const stateOf = (index: number) => {
    let s = choices.get(index);
    if (!s) choices.set(index, (s = new ChoiceState(opts.resolver)));
    return s;
  };
  // Objects are built with withFields, not `{ ...x, more }`: V8's slow path, once per chunk here.
  const piece = (base: Chunk, index: number, delta: Chunk, finish: string | null = null, extra: Chunk = {}): Chunk =>
    withFields(base, { choices: [withFields({ index, delta }, withFields(extra, { finish_reason: finish }))] });
  const base = (): Chunk => {
    const out: Chunk = {};
    const from = template ?? { object: 'chat.completion.chunk' };
    for (const k of Object.keys(from)) if (k !== 'choices' && k !== 'usage' && k !== 'toolgate') out[k] = from[k];
    return out;
  };
  const callDeltas = (s: ChoiceState, calls: OutCall[], index: number): Chunk[] =>
    calls.map((call) => {
      s.sent.push(call);
      committed = true;
      return piece(base(), index, { tool_calls: [{ index: s.sent.length - 1, ...call }] });
    });
  /** Passes chunks on, or holds them while the response may still be refused. */
  const pass = (out: Chunks): Chunks => {
    if (!committed) {
      held.push(...out);
      return [];
    }
    if (held.length === 0) return out;
    return [...held.splice(0), ...out];
  };

  /** Parsed calls below `index` are complete once a later one starts (vLLM streams them in order). */
  const completeParsed = (s: ChoiceState, below: number, index: number, out: Chunks) => {
    for (const i of s.deltas.indices()) {
      if (i >= below || s.parsedDone.has(i)) continue;
      s.parsedDone.add(i);
      const calls = judge.early?.({ parsed: s.deltas.get(i)! }) ?? null;
      if (calls) {
        s.parsedSent.add(i);
        out.push(...callDeltas(s, calls, index));
      }
    }
  };

  async function finish(
    s: ChoiceState,
    index: number,
    last: Chunk | null,
    finishReason: string | null,
  ): Promise<Chunks> {
    s.done = true;
    const out: Chunks = [];
    if (opts.holdAll) {
      // nothing was split: the content is the call
    } else {
      for (const e of s.splitter.finish()) {
        if (e.type === 'text' && e.text) out.push(piece(base(), index, { content: e.text }));
        else if (e.type === 'call')
          s.segments.push({ raw: e.raw, inThink: e.inThink, complete: e.complete, sent: false });
      }
    }
    const decision = await judge.finish({
      index,
      segments: s.segments,
      parsed: s.deltas.indices().map((i) => ({ call: s.deltas.get(i)!, sent: s.parsedSent.has(i) })),
      reasoning: s.reasoning,
      heldContent: opts.holdAll ? s.heldContent : null,
      content: s.content.join(''),
      sent: [...s.sent],
      finishReason,
    });
    if (decision.text) out.push(piece(base(), index, { content: decision.text }));
    out.push(...callDeltas(s, decision.calls, index));
    const reason = s.sent.length > 0 ? 'tool_calls' : finishReason === 'tool_calls' ? 'stop' : (finishReason ?? 'stop');
    const lastChoice = (last?.choices as Chunk[] | undefined)?.[0] ?? {};
    const { index: _i, delta: _d, finish_reason: _f, ...choiceExtra } = lastChoice;
    const closing = piece(last ? withFields(last, { choices: undefined }) : base(), index, {}, reason, choiceExtra);
    closing.toolgate = { tool_calls: decision.annotation };
    out.push(closing);
    return out;
  }

  /** One choice of one chunk; returns its output, or a promise when the message ended (judge may await). */
  function onChoice(chunk: Chunk, choice: Chunk): Chunks | Promise<Chunks> {
    const index = typeof choice.index === 'number' ? choice.index : 0;
    const s = stateOf(index);
    if (s.done) return [withFields(chunk, { choices: [choice] })];
    const delta = withFields((choice.delta as Chunk | undefined) ?? {});
    const out: Chunks = [];
    for (const i of s.deltas.add(delta.tool_calls)) completeParsed(s, i, index, out);
    delete delta.tool_calls;
    for (const f of REASONING_FIELDS) if (typeof delta[f] === 'string') s.reasoning = (s.reasoning ?? '') + delta[f];
    const { delta: _d, finish_reason: _f, ...choiceExtra } = choice;
    if (typeof delta.content === 'string' && delta.content !== '') {
      s.content.push(delta.content);
      if (opts.holdAll) s.heldContent += delta.content;
      else {
        let text = '';
        for (const e of s.splitter.push(delta.content)) {
          if (e.type !== 'call') {
            text += e.text; // think text is plain text here (think: 'text')
            noteThink(s, e.text);
            continue;
          }
          const segment: Segment = { raw: e.raw, inThink: e.inThink, complete: e.complete, sent: false };
          s.segments.push(segment);
          if (e.inThink || !e.complete || !judge.early) continue;
          const calls = judge.early({ segment: e.raw });
          if (!calls) continue;
          if (isDraftCopy(s, calls)) {
            segment.sent = true; // the same call was already sent from its draft
            continue;
          }
          // Text before a complete call goes out before that call's deltas, in order.
          if (text) out.push(piece(chunk, index, { content: text }));
          text = '';
          segment.sent = true;
          out.push(...callDeltas(s, calls, index));
        }
        if (text) delta.content = text;
        else delete delta.content;
      }
      if (opts.holdAll) delete delta.content;
    } else if (delta.content === '') delete delta.content;
    const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
    const meaningful = Object.keys(delta).some((k) => delta[k] !== '' && delta[k] !== null && delta[k] !== undefined);
    if (meaningful) out.push(piece(chunk, index, delta, null, choiceExtra));
    if (!finishReason) return out;
    return finish(s, index, withFields(chunk, { choices: [choice] }), finishReason).then((tail) => [...out, ...tail]);
  }

  return {
    chunk(chunk) {
      template ??= chunk;
      const list = chunk.choices as Chunk[] | undefined;
      if (!Array.isArray(list) || list.length === 0) return pass([chunk]);
      const parts = list.map((choice) => onChoice(chunk, choice));
      if (parts.every((p) => Array.isArray(p))) return pass(parts.flat());
      return Promise.all(parts).then((p) => pass(p.flat()));
    },
    async end() {
      const out: Chunks = [];
      for (const [index, s] of choices) if (!s.done) out.push(...(await finish(s, index, null, null)));
      committed = true;
      return pass(out);
    },
  };
}
