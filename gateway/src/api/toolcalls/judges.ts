// What each tool-call policy sends, given the message the transform assembled
// (tool-call-transform.ts). Two judges:
//   checked (repair, retry, reject): a complete call that checks valid on its own is sent at once;
//     at the end the engine's verdict on the whole message decides the rest (retry first re-asks).
//   hermes (annotate): calls are passed on as vLLM's hermes parser would read them — a <tool_call>
//     block whose JSON parses, unrepaired and unvalidated (a guided answer to a forced choice: as
//     vLLM's JSON tool-call path reads it) — and the verdict is only reported.
// Both return as text whatever the model wrote that is not sent as a call, so no policy empties
// an answer: the client sees the model's text, as vLLM alone would have returned it.
import {
  callText,
  toOpenAIToolCall,
  toolCallId,
  type CheckedCall,
  type ToolCallReport,
} from '../../toolcalls/index.js';
import type { AssembledCall } from '../../upstream/tool-call-deltas.js';
import type { FinishDecision, FinishedMessage, OutCall, ToolCallJudge } from './tool-call-transform.js';

export interface JudgeContext {
  /** Checks an assistant output against the request's tools. */
  check(output: {
    content?: string | null;
    tool_calls?: AssembledCall[];
    reasoning_content?: string | null;
  }): ToolCallReport;
  /** The verdict on the whole message and the upstream's raw output (state for capture and metrics). */
  onVerdict(index: number, report: ToolCallReport, raw: { content: string | null; tool_calls: AssembledCall[] }): void;
  annotation(report: ToolCallReport): Record<string, unknown>;
  /** parallel_tool_calls: false — at most one call is sent (vLLM keeps the first). */
  singleCall: boolean;
  /** A forced choice the gateway served with guided JSON: vLLM's own reading of that answer (forced-choice.ts). */
  readGuided?(content: string): OutCall[];
}

export interface CheckedJudgeContext extends JudgeContext {
  /** retry: re-ask for the invalid calls; resolves to the report with fixed calls in their place. */
  reask?(report: ToolCallReport, rawText: string): Promise<ToolCallReport>;
  /** reject: the error to refuse an invalid answer with. */
  refuse?(report: ToolCallReport): Error | null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (name: string, args: string) => `${name}\u0000${args}`;
const outOf = (c: CheckedCall): OutCall => toOpenAIToolCall(c);

/** The message as the engine reads a whole answer: all its content, the parsed calls, the reasoning. */
function engineInput(m: FinishedMessage) {
  return {
    content: m.heldContent ?? m.content,
    tool_calls: m.parsed.map((p) => p.call),
    reasoning_content: m.reasoning,
  };
}

/** A call found in the message text, and whether it is sent. */
interface Found {
  raw: string;
  sent: boolean;
}

/**
 * Text the client still gets: for each segment outside <think> not sent early, the text of the
 * calls in it that are not sent (the whole segment when no call was read from it), and unusable
 * parsed calls as Qwen3 text.
 */
function leftoverText(m: FinishedMessage, found: Found[], unusedParsed: string[]): string {
  if (m.heldContent !== null) return found.some((f) => f.sent) ? '' : m.heldContent;
  const parts: string[] = [];
  for (const s of m.segments) {
    if (s.inThink || s.sent) continue;
    const inside = found.filter((f) => f.raw.trim() !== '' && s.raw.includes(f.raw.trim()));
    if (inside.length === 0) parts.push(s.raw);
    else for (const f of inside) if (!f.sent) parts.push(f.raw);
  }
  return [...parts, ...unusedParsed].join('\n');
}

/** At most one call when the client asked for no parallel calls. */
function limit(calls: OutCall[], alreadySent: number, single: boolean): OutCall[] {
  if (!single) return calls;
  return alreadySent > 0 ? [] : calls.slice(0, 1);
}

/**
 * The verdict on a message whose every segment was already checked (and sent) on its own: the same
 * calls, so the whole message need not be read again. Only when nothing else could change it — no
 * <think> segment, no parsed calls, no call written twice — otherwise null.
 */
function fromEarly(m: FinishedMessage, early: Map<string, ToolCallReport>): ToolCallReport | null {
  if (m.heldContent !== null || m.parsed.length > 0 || m.segments.length === 0) return null;
  const reports: ToolCallReport[] = [];
  for (const s of m.segments) {
    const r = s.sent && !s.inThink ? early.get(s.raw) : undefined;
    if (!r) return null;
    reports.push(r);
  }
  const calls = reports.flatMap((r) => r.calls);
  if (new Set(calls.map((c) => key(c.name, c.argumentsJson))).size !== calls.length) return null;
  const repairs = [...new Set(reports.flatMap((r) => r.repairs))];
  return { outcome: repairs.length > 0 ? 'repaired' : 'valid', calls, content: null, repairs, errors: [] };
}

export function checkedJudge(ctx: CheckedJudgeContext): ToolCallJudge {
  const early = new Map<string, ToolCallReport>();
  return {
    early(item) {
      const report =
        'segment' in item ? ctx.check({ content: item.segment }) : ctx.check({ tool_calls: [item.parsed] });
      if (report.calls.length === 0 || !report.calls.every((c) => c.valid)) return null;
      if ('segment' in item) early.set(item.segment, report);
      return report.calls.map(outOf);
    },
    async finish(m): Promise<FinishDecision> {
      const input = engineInput(m);
      let report = fromEarly(m, early) ?? ctx.check(input);
      ctx.onVerdict(m.index, report, { content: m.content || null, tool_calls: input.tool_calls });
      if (ctx.reask && report.outcome === 'invalid') {
        report = await ctx.reask(report, input.content || JSON.stringify(input.tool_calls));
        ctx.onVerdict(m.index, report, { content: m.content || null, tool_calls: input.tool_calls });
      }
      const refusal = report.outcome === 'invalid' ? ctx.refuse?.(report) : null;
      if (refusal) throw refusal;
      const unsent = m.sent.map((c) => key(c.function.name, c.function.arguments));
      const fresh: OutCall[] = [];
      for (const c of report.calls) {
        if (!c.valid) continue;
        const at = unsent.indexOf(key(c.name, c.argumentsJson));
        if (at >= 0) unsent.splice(at, 1);
        else fresh.push(outOf(c));
      }
      const unusedParsed = report.calls
        .filter((c) => !c.valid && !c.fromThink && c.source === 'tool_calls')
        .map(callText);
      return {
        calls: limit(fresh, m.sent.length, ctx.singleCall),
        text: leftoverText(
          m,
          report.calls.filter((c) => c.source !== 'tool_calls').map((c) => ({ raw: c.raw, sent: c.valid })),
          unusedParsed,
        ),
        annotation: ctx.annotation(report),
      };
    },
  };
}

/** vLLM's hermes reading of one text segment: a <tool_call> block whose body is a JSON object with a string name and arguments. */
function hermesCall(segment: string): OutCall | null {
  const m = /^\s*<tool_call>([\s\S]*?)(?:<\/tool_call>)?\s*$/.exec(segment);
  if (!m) return null;
  let value: unknown;
  try {
    value = JSON.parse(m[1]!);
  } catch {
    return null;
  }
  if (!isPlainObject(value) || typeof value.name !== 'string' || !('arguments' in value)) return null;
  return {
    id: toolCallId(),
    type: 'function',
    function: { name: value.name, arguments: JSON.stringify(value.arguments) },
  };
}

const parsedOut = (c: AssembledCall): OutCall => ({
  id: c.id ?? toolCallId(),
  type: 'function',
  function: { name: c.function.name, arguments: c.function.arguments },
});

export function hermesJudge(ctx: JudgeContext): ToolCallJudge {
  return {
    early(item) {
      if ('parsed' in item) return [parsedOut(item.parsed)];
      const call = hermesCall(item.segment);
      return call ? [call] : null;
    },
    finish(m): FinishDecision {
      const input = engineInput(m);
      const report = ctx.check(input);
      ctx.onVerdict(m.index, report, { content: m.content || null, tool_calls: input.tool_calls });
      if (ctx.readGuided && m.heldContent !== null) {
        const calls = ctx.readGuided(m.heldContent);
        return {
          calls: limit(calls, m.sent.length, ctx.singleCall),
          text: leftoverText(m, [{ raw: m.heldContent, sent: calls.length > 0 }], []),
          annotation: ctx.annotation(report),
        };
      }
      const calls: OutCall[] = m.parsed.filter((p) => !p.sent).map((p) => parsedOut(p.call));
      const used: string[] = [];
      for (const s of m.segments) {
        if (s.sent || s.inThink || !s.complete) continue;
        const call = hermesCall(s.raw);
        if (call) {
          calls.push(call);
          used.push(s.raw);
        }
      }
      return {
        calls: limit(calls, m.sent.length, ctx.singleCall),
        text: leftoverText(
          m,
          used.map((raw) => ({ raw, sent: true })),
          [],
        ),
        annotation: ctx.annotation(report),
      };
    },
  };
}
