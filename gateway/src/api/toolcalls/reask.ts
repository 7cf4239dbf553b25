// The retry policy's re-ask: when a response's tool calls are invalid, ask the upstream again
// (bounded attempts and deadline) with the validation errors. When the intended function is known
// (a resolved but invalid call, a named tool_choice, or a single tool), vLLM is asked for output
// constrained to that function's parameters schema (`structured_outputs.json`), so the answer is
// the arguments object itself.
import { checkToolCalls, type ToolCallReport, type ToolDef } from '../../toolcalls/index.js';
import { errorSummary } from './apply-report.js';

export interface ReaskContext {
  body: Record<string, unknown>;
  tools: ToolDef[];
  /** The invalid first answer's report and raw text. */
  report: ToolCallReport;
  rawText: string;
  maxAttempts: number;
  /** Absolute performance.now() after which no new attempt starts. */
  deadline: number;
  /** Sends a non-stream request upstream and returns the parsed completion. */
  send(body: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface ReaskResult {
  report: ToolCallReport;
  attempts: number;
  result: 'fixed' | 'still_invalid' | 'deadline' | 'failed';
}

function intendedFunction(ctx: ReaskContext): ToolDef | null {
  const byName = new Map(ctx.tools.map((t) => [t.function.name, t]));
  for (const c of ctx.report.calls) if (c.name && byName.has(c.name)) return byName.get(c.name)!;
  const choice = ctx.body.tool_choice as { function?: { name?: string } } | undefined;
  if (choice && typeof choice === 'object' && choice.function?.name && byName.has(choice.function.name)) return byName.get(choice.function.name)!;
  return ctx.tools.length === 1 ? ctx.tools[0]! : null;
}

function messageOf(json: Record<string, unknown>): { content: string | null; tool_calls?: unknown } {
  const choice = (json.choices as Array<{ message?: { content?: string | null; tool_calls?: unknown } }> | undefined)?.[0];
  return { content: choice?.message?.content ?? null, tool_calls: choice?.message?.tool_calls };
}

export async function reask(ctx: ReaskContext): Promise<ReaskResult> {
  let report = ctx.report;
  const target = intendedFunction(ctx);
  const messages = (ctx.body.messages as unknown[]) ?? [];
  const { tools: _tools, tool_choice: _choice, stream: _stream, stream_options: _so, ...rest } = ctx.body;
  for (let attempt = 1; attempt <= ctx.maxAttempts; attempt++) {
    if (performance.now() > ctx.deadline) return { report, attempts: attempt - 1, result: 'deadline' };
    const feedback = `Your previous tool call could not be used: ${errorSummary(report)}.`;
    let json: Record<string, unknown>;
    try {
      if (target) {
        json = await ctx.send({
          ...rest,
          stream: false,
          messages: [...messages, { role: 'user', content: `${feedback} Reply with only the JSON arguments for the function "${target.function.name}".` }],
          structured_outputs: { json: target.function.parameters ?? { type: 'object', properties: {} } },
        });
        const msg = messageOf(json);
        report = checkToolCalls(ctx.tools, { tool_calls: [{ type: 'function', function: { name: target.function.name, arguments: msg.content ?? '' } }] });
      } else {
        json = await ctx.send({
          ...ctx.body,
          stream: false,
          stream_options: undefined,
          messages: [...messages, { role: 'assistant', content: ctx.rawText }, { role: 'user', content: `${feedback} Answer again with a valid tool call.` }],
        });
        const msg = messageOf(json);
        report = checkToolCalls(ctx.tools, { content: msg.content, tool_calls: msg.tool_calls as never });
      }
    } catch {
      return { report, attempts: attempt, result: 'failed' };
    }
    if (report.outcome !== 'invalid') {
      // The answer was obtained by re-asking: never present it as first-time valid.
      return { report: { ...report, outcome: 'repaired' }, attempts: attempt, result: 'fixed' };
    }
  }
  return { report, attempts: ctx.maxAttempts, result: 'still_invalid' };
}
