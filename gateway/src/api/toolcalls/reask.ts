// The retry policy's re-ask: when calls in an answer are invalid, ask the upstream again (bounded
// attempts shared by the whole answer, and a deadline) with the validation errors. Each invalid
// call is fixed on its own: when its intended function is known (the name resolved, a named
// tool_choice, or a single tool), vLLM is asked for output constrained to that function's
// parameters schema (`structured_outputs.json`), so the answer is the arguments object itself;
// otherwise the whole message is asked again. Valid calls are kept as they were, and a fixed call
// takes the place (and the source text) of the one it replaces.
import { checkToolCalls, type CheckedCall, type ToolCallReport, type ToolDef } from '../../toolcalls/index.js';
import { errorSummary } from './annotation.js';

export interface ReaskContext {
  /** The body the answer was asked with (the exchange's upstream body). */
  body: Readonly<Record<string, unknown>>;
  /** The client's tool_choice (the upstream body may carry another, parse-mode.ts). */
  toolChoice: unknown;
  /** The answer was guided JSON for a forced choice (forced-choice.ts); a re-asked message is read the same way. */
  guided: boolean;
  tools: ToolDef[];
  /** The invalid answer's report and raw text. */
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

function intendedFunction(call: CheckedCall, ctx: ReaskContext): ToolDef | null {
  const byName = new Map(ctx.tools.map((t) => [t.function.name, t]));
  if (call.name && byName.has(call.name)) return byName.get(call.name)!;
  const choice = ctx.toolChoice as { function?: { name?: string } } | undefined;
  if (choice && typeof choice === 'object' && choice.function?.name && byName.has(choice.function.name))
    return byName.get(choice.function.name)!;
  return ctx.tools.length === 1 ? ctx.tools[0]! : null;
}

function messageOf(json: Record<string, unknown>): { content: string | null; tool_calls?: unknown } {
  const choice = (
    json.choices as Array<{ message?: { content?: string | null; tool_calls?: unknown } }> | undefined
  )?.[0];
  return { content: choice?.message?.content ?? null, tool_calls: choice?.message?.tool_calls };
}

const summarize = (calls: CheckedCall[]): ToolCallReport => {
  const repairs = [...new Set(calls.flatMap((c) => c.repairs))];
  const errors = calls.flatMap((c) => c.errors);
  const outcome = calls.length === 0 ? 'none' : calls.some((c) => !c.valid) ? 'invalid' : 'repaired';
  return { outcome, calls, content: null, repairs, errors };
};

export async function reask(ctx: ReaskContext): Promise<ReaskResult> {
  const messages = (ctx.body.messages as unknown[]) ?? [];
  const { tools: _tools, tool_choice: _choice, stream: _stream, stream_options: _so, ...rest } = ctx.body;
  const calls = [...ctx.report.calls];
  let attempts = 0;
  const status: { result: ReaskResult['result'] } = { result: 'still_invalid' };

  /** One upstream re-ask; null when it could not be made. */
  const ask = async (body: Record<string, unknown>) => {
    attempts++;
    try {
      return messageOf(await ctx.send(body));
    } catch {
      status.result = 'failed';
      return null;
    }
  };

  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    if (call.valid) continue;
    const target = intendedFunction(call, ctx);
    let errors = errorSummary(summarize([call]));
    while (attempts < ctx.maxAttempts && !calls[i]!.valid && status.result !== 'failed') {
      if (performance.now() > ctx.deadline) {
        status.result = 'deadline';
        break;
      }
      const feedback = `Your previous tool call could not be used: ${errors}.`;
      let fixed: CheckedCall[];
      if (target) {
        const msg = await ask({
          ...rest,
          stream: false,
          messages: [
            ...messages,
            {
              role: 'user',
              content: `${feedback} Reply with only the JSON arguments for the function "${target.function.name}".`,
            },
          ],
          structured_outputs: { json: target.function.parameters ?? { type: 'object', properties: {} } },
        });
        if (!msg) break;
        fixed = checkToolCalls(ctx.tools, {
          tool_calls: [{ type: 'function', function: { name: target.function.name, arguments: msg.content ?? '' } }],
        }).calls;
      } else {
        const msg = await ask({
          ...ctx.body,
          stream: false,
          stream_options: undefined,
          messages: [
            ...messages,
            { role: 'assistant', content: ctx.rawText },
            { role: 'user', content: `${feedback} Answer again with a valid tool call.` },
          ],
        });
        if (!msg) break;
        fixed = checkToolCalls(
          ctx.tools,
          { content: msg.content, tool_calls: msg.tool_calls as never },
          { toolChoice: ctx.toolChoice, guided: ctx.guided },
        ).calls;
      }
      if (fixed.length > 0 && fixed.every((c) => c.valid)) {
        // The fixed call stands where the invalid one stood, with its source text (so that text is not shown again).
        calls.splice(
          i,
          1,
          ...fixed.map((c) => ({
            ...c,
            raw: call.raw,
            fromThink: false,
            source: call.source,
            ...(call.id ? { id: call.id } : {}),
          })),
        );
        i += fixed.length - 1;
        break;
      }
      errors = errorSummary(summarize(fixed.length > 0 ? fixed : [call]));
    }
  }
  const report = summarize(calls);
  if (report.outcome !== 'invalid') return { report, attempts, result: 'fixed' };
  return { report, attempts, result: status.result };
}
