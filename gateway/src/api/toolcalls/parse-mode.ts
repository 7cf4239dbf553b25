// Who reads the model's output into tool calls. With a pool's `toolParsing: gateway` (the
// default) the gateway does: for a request whose tool_choice is `auto` (or absent) it asks the pod
// for tool_choice "none", under which vLLM still renders the tools into the prompt but applies no
// tool parser, so the model's text — malformed calls included — reaches the gateway whole,
// streamed or not, and the engine (a superset of hermes) extracts the calls. The client's own
// tool_choice keeps its meaning: `none` stays none; `required` and a named function stay with the
// pod, whose constrained decoding (structural tags) is worth more than raw text; so do `strict`
// tools under auto, which vLLM constrains the same way. See docs/vllm-tool-parsing.md.
import type { ToolParsing } from '../../routing/pool.js';
import type { ToolDef } from '../../toolcalls/index.js';

export function gatewayOwnsParse(mode: ToolParsing, toolChoice: unknown, tools: ToolDef[]): boolean {
  if (mode !== 'gateway') return false;
  if (toolChoice !== undefined && toolChoice !== null && toolChoice !== 'auto') return false;
  return !tools.some((t) => t?.function?.strict === true);
}
