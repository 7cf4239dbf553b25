// Builds the chat `message` (non-stream) and the per-token `delta`s (stream) from the raw model
// output, the way vLLM's serving_chat does for each tool-choice mode:
//   auto + hermes parser → Hermes2ProToolParser (all-or-nothing when not streaming);
//   "required"           → bare JSON array of {"name","parameters"} turned into tool_calls;
//   named tool_choice    → the output IS the arguments JSON of that tool;
//   otherwise            → plain content.
import { extractHermesToolCalls, findToolCallBlocks, parseToolCallBody, TOOL_CALL_START } from './hermes-parser.js';
import { isPyDict, pyJsonDumps, pyJsonLoads } from './py-json.js';
import type { ResponsePlan } from './response-plan.js';

export interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessageOut {
  role: 'assistant';
  content: string | null;
  reasoning_content: string | null;
  tool_calls: ToolCallOut[];
}

export interface DeltaToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments?: string };
}

export interface ChatDelta {
  reasoning_content?: string;
  content?: string;
  tool_calls?: DeltaToolCall[];
}

export type PlanView = Pick<ResponsePlan, 'kind' | 'parseTools' | 'finishReason'> & { toolName?: string; parseReasoning?: boolean };

/**
 * vLLM's Qwen3ReasoningParser: with a `</think>` in the output, the text before it (after an
 * optional `<think>`) is reasoning_content and the rest is content (the tool parser sees only
 * the content); without one, everything is content. Offsets let the stream split tokens.
 */
export function splitReasoning(text: string): { reasoningFrom: number; reasoningTo: number; contentFrom: number } | null {
  const end = text.indexOf('</think>');
  if (end < 0) return null;
  const start = text.lastIndexOf('<think>', end);
  return { reasoningFrom: start >= 0 ? start + '<think>'.length : 0, reasoningTo: end, contentFrom: end + '</think>'.length };
}

/** tool_choice "required": vLLM validates the array as list[FunctionDefinition]; null when it does not parse. */
function parseRequiredArray(text: string): Array<{ name: string; arguments: string }> | null {
  try {
    const v = pyJsonLoads(text);
    if (!Array.isArray(v)) return null;
    const calls: Array<{ name: string; arguments: string }> = [];
    for (const el of v) {
      if (!isPyDict(el) || typeof el.get('name') !== 'string') return null;
      calls.push({ name: el.get('name') as string, arguments: pyJsonDumps(el.get('parameters') ?? null) });
    }
    return calls;
  } catch {
    return null;
  }
}

export function buildChatMessage(full: string, plan: PlanView, makeId: (i: number) => string): { message: ChatMessageOut; finishReason: string } {
  const split = plan.parseReasoning ? splitReasoning(full) : null;
  const reasoning = split ? full.slice(split.reasoningFrom, split.reasoningTo) : null;
  const text = split ? full.slice(split.contentFrom) : full;
  const msg = (content: string | null, calls: Array<{ name: string; arguments: string }> = []): ChatMessageOut => ({
    role: 'assistant',
    content: split && content === '' && calls.length === 0 ? null : content,
    reasoning_content: reasoning,
    tool_calls: calls.map((c, i) => ({ id: makeId(i), type: 'function', function: { name: c.name, arguments: c.arguments } })),
  });
  if (plan.kind === 'named_arguments' && plan.toolName) {
    return { message: msg('', [{ name: plan.toolName, arguments: text }]), finishReason: plan.finishReason };
  }
  if (plan.kind === 'required_array') {
    const calls = parseRequiredArray(text);
    return calls ? { message: msg('', calls), finishReason: plan.finishReason } : { message: msg(text), finishReason: plan.finishReason };
  }
  if (plan.parseTools) {
    const ex = extractHermesToolCalls(text);
    if (ex.toolsCalled) return { message: msg(ex.content, ex.toolCalls), finishReason: 'tool_calls' };
  }
  return { message: msg(text), finishReason: plan.finishReason };
}

/** A tool call laid over the output's characters: its name is streamed once `nameAt` is reached, its arguments across [argsFrom, end). */
interface CallSpan {
  name: string;
  args: string;
  nameAt: number;
  argsFrom: number;
  end: number;
}

const NAME_RE = /"name"\s*:\s*"(?:[^"\\]|\\.)*"/;

function layout(text: string, plan: PlanView): { calls: CallSpan[]; content: Array<[number, number]> } {
  if (plan.kind === 'named_arguments' && plan.toolName) {
    return { calls: [{ name: plan.toolName, args: text, nameAt: 0, argsFrom: 0, end: text.length }], content: [] };
  }
  if (plan.kind === 'required_array') {
    const parsed = parseRequiredArray(text);
    if (!parsed) return { calls: [], content: [[0, text.length]] };
    const total = parsed.reduce((s, c) => s + c.arguments.length + c.name.length, 0) || 1;
    let at = 0;
    const calls = parsed.map((c, i) => {
      const end = i === parsed.length - 1 ? text.length : Math.round(at + ((c.arguments.length + c.name.length) / total) * text.length);
      const span = { name: c.name, args: c.arguments, nameAt: at, argsFrom: at, end };
      at = end;
      return span;
    });
    return { calls, content: [] };
  }
  if (!plan.parseTools || !text.includes(TOOL_CALL_START)) return { calls: [], content: [[0, text.length]] };
  const blocks = findToolCallBlocks(text);
  const content: Array<[number, number]> = [[0, blocks[0]!.start]];
  const calls: CallSpan[] = [];
  for (const b of blocks) {
    // The streaming parser only emits a block once its JSON (partially) parses; a block that never
    // parses is swallowed — unlike the non-stream path, streaming is not all-or-nothing.
    const parsed = parseToolCallBody(b.body);
    if (!parsed) continue;
    const bodyAt = b.start + TOOL_CALL_START.length;
    const m = NAME_RE.exec(b.body);
    const nameAt = m ? bodyAt + m.index + m[0].length : b.end;
    calls.push({ name: parsed.name, args: parsed.arguments, nameAt, argsFrom: nameAt, end: b.end });
  }
  const last = blocks[blocks.length - 1]!;
  if (text.slice(last.end).trim()) content.push([last.end, text.length]);
  return { calls, content };
}

/** One delta per output token (null: vLLM sends no chunk for that token). */
export function planChatDeltas(pieces: string[], plan: PlanView, makeId: (i: number) => string): { deltas: Array<ChatDelta | null>; toolCallsStreamed: boolean } {
  const text = pieces.join('');
  const split = plan.parseReasoning ? splitReasoning(text) : null;
  // The tool parser sees only what follows </think>; its spans are shifted back onto the full text.
  const off = split?.contentFrom ?? 0;
  const laid = layout(text.slice(off), plan);
  const calls = laid.calls.map((c) => ({ ...c, nameAt: c.nameAt + off, argsFrom: c.argsFrom + off, end: c.end + off }));
  const content = laid.content.map(([s, e]): [number, number] => [s + off, e + off]);
  const nameSent = calls.map(() => false);
  const argsSent = calls.map(() => 0);
  const deltas: Array<ChatDelta | null> = [];
  let a = 0;
  for (const piece of pieces) {
    const b = a + piece.length;
    const delta: ChatDelta = {};
    if (split && b > split.reasoningFrom && a < split.reasoningTo) {
      delta.reasoning_content = text.slice(Math.max(a, split.reasoningFrom), Math.min(b, split.reasoningTo));
    }
    let contentText = '';
    for (const [s, e] of content) if (b > s && a < e) contentText += text.slice(Math.max(a, s), Math.min(b, e));
    if (contentText) delta.content = contentText;
    const tc: DeltaToolCall[] = [];
    calls.forEach((c, i) => {
      let entry: DeltaToolCall = { index: i, function: {} };
      if (!nameSent[i] && (b > c.nameAt || b >= c.end)) {
        nameSent[i] = true;
        entry = { index: i, id: makeId(i), type: 'function', function: { name: c.name } };
      }
      if (nameSent[i]) {
        const span = c.end - c.argsFrom;
        const target = b >= c.end ? c.args.length : span > 0 ? Math.floor((c.args.length * Math.max(0, b - c.argsFrom)) / span) : 0;
        if (target > argsSent[i]!) {
          entry.function.arguments = c.args.slice(argsSent[i], target);
          argsSent[i] = target;
        }
      }
      if (entry.function.name !== undefined || entry.function.arguments !== undefined) tc.push(entry);
    });
    if (tc.length) delta.tool_calls = tc;
    deltas.push(delta.content !== undefined || delta.tool_calls || delta.reasoning_content ? delta : null);
    a = b;
  }
  return { deltas, toolCallsStreamed: plan.parseTools && calls.length > 0 };
}
