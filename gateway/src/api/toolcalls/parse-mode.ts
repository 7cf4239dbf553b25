// Who reads the model's output into tool calls. With a pool's `toolParsing: gateway` (the
// default) the gateway does: for a request whose tool_choice is `auto` (or absent) it asks the pod
// for tool_choice "none", under which vLLM still renders the tools into the prompt but applies no
// tool parser, so the model's text — malformed calls included — reaches the gateway whole,
// streamed or not, and the engine (a superset of hermes) extracts the calls. The client's own
// tool_choice keeps its meaning: `none` stays none; `required` and a named function stay with a
// pod that has a tool parser, whose constrained decoding (structural tags) is worth more than raw
// text; so do `strict` tools under auto, which vLLM constrains the same way. Where the pods have
// no tool parser (they would refuse a forced choice), the gateway serves it itself with guided
// JSON (forced-choice.ts) — unless the client constrains the output itself. See
// docs/vllm-tool-parsing.md.
import type { Pool } from '../../routing/pool.js';
import type { ToolDef } from '../../toolcalls/index.js';
import { clientConstrainsOutput, forcedChoiceSchema, isForcedChoice } from './forced-choice.js';

export interface ParsePlan {
  parse: 'gateway' | 'pod';
  /** A forced choice the gateway serves: the schema the pod is asked to guide its output to. */
  guided: Record<string, unknown> | null;
}

const POD: ParsePlan = { parse: 'pod', guided: null };

export function parsePlan(
  pool: Pick<Pool, 'toolParsing' | 'toolParserMissing'>,
  body: Readonly<Record<string, unknown>>,
  tools: ToolDef[],
): ParsePlan {
  if (pool.toolParsing !== 'gateway') return POD;
  const toolChoice = body.tool_choice;
  if (isForcedChoice(toolChoice)) {
    if (!pool.toolParserMissing || clientConstrainsOutput(body)) return POD;
    const guided = forcedChoiceSchema(toolChoice, tools, body.parallel_tool_calls);
    return guided ? { parse: 'gateway', guided } : POD;
  }
  if (toolChoice !== undefined && toolChoice !== null && toolChoice !== 'auto') return POD;
  return tools.some((t) => t?.function?.strict === true) ? POD : { parse: 'gateway', guided: null };
}
