// A forced tool_choice (`required`, or a named function) served by the gateway, for pools whose
// pods have no --tool-call-parser: vLLM 0.33 refuses such a choice there with a 400
// (renderers/online_renderer.py `render_chat`). The gateway asks the pod for tool_choice "none"
// plus guided decoding to the JSON Schema vLLM itself derives for these choices when a tool parser
// constrains them with JSON (tool_parsers/utils.py `get_json_schema_from_tools`,
// `_get_json_schema_from_tools`, applied by tool_parsers/abstract_tool_parser.py
// `ToolParser.adjust_request` as `structured_outputs.json`): for `required` an array of
// `{"name", "parameters"}` (at most one item under parallel_tool_calls: false), for a named
// choice the function's arguments object itself. The answer is read by the one answer reader
// (tool-call-transform.ts, holding the whole content), checked against the request's schemas by
// the engine, and sent as ordinary tool_calls. `guidedCalls` is vLLM's own reading of that answer
// (parser/abstract_parser.py `DelegatingParser._extract_tool_calls`), for the annotate policy.
import { toolCallId, type ToolDef } from '../../toolcalls/index.js';
import type { OutCall } from './tool-call-transform.js';

type Schema = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The named function of a tool_choice `{type: "function", function: {name}}`, else null. */
export function namedFunction(toolChoice: unknown): string | null {
  if (!isPlainObject(toolChoice) || !isPlainObject(toolChoice.function)) return null;
  return typeof toolChoice.function.name === 'string' ? toolChoice.function.name : null;
}

/** `required` or a named function. */
export function isForcedChoice(toolChoice: unknown): boolean {
  return toolChoice === 'required' || namedFunction(toolChoice) !== null;
}

/**
 * Whether the client constrains the output itself (response_format other than text,
 * structured_outputs, or the older guided_* fields). The gateway then leaves a forced choice
 * alone: the two constraints cannot both hold, and the pod answers as vLLM alone would.
 */
export function clientConstrainsOutput(body: Readonly<Record<string, unknown>>): boolean {
  const rf = body.response_format;
  if (isPlainObject(rf) && rf.type !== undefined && rf.type !== 'text') return true;
  if (body.structured_outputs !== undefined && body.structured_outputs !== null) return true;
  return ['guided_json', 'guided_regex', 'guided_choice', 'guided_grammar'].some(
    (k) => body[k] !== undefined && body[k] !== null,
  );
}

/** `_params_or_empty_object`: missing or empty parameters still constrain arguments to an object. */
function paramsOrEmptyObject(params: unknown): Schema {
  return isPlainObject(params) && Object.keys(params).length > 0 ? params : { type: 'object', properties: {} };
}

/**
 * The guided-decoding schema for a forced choice, as vLLM derives it, or null when there is none
 * to give: not a forced choice, a named function not among the tools (the request check refused it
 * already), or tools whose `$defs` disagree (vLLM refuses those; the pod is then left to answer).
 */
export function forcedChoiceSchema(toolChoice: unknown, tools: ToolDef[], parallelToolCalls: unknown): Schema | null {
  const named = namedFunction(toolChoice);
  if (named !== null) {
    const tool = tools.find((t) => t.function.name === named);
    return tool ? paramsOrEmptyObject(tool.function.parameters) : null;
  }
  if (toolChoice !== 'required') return null;
  // `_get_tool_schema_defs`: every tool's `$defs` move to the root, where `#/$defs/…` resolves.
  const defs: Schema = {};
  const anyOf: Schema[] = [];
  for (const tool of tools) {
    let params = tool.function.parameters as unknown;
    if (isPlainObject(params) && '$defs' in params) {
      const { $defs, ...rest } = params;
      if (!isPlainObject($defs)) return null;
      for (const [name, def] of Object.entries($defs)) {
        if (name in defs && JSON.stringify(defs[name]) !== JSON.stringify(def)) return null;
        defs[name] = def;
      }
      params = rest;
    }
    anyOf.push({
      properties: { name: { type: 'string', enum: [tool.function.name] }, parameters: paramsOrEmptyObject(params) },
      required: ['name', 'parameters'],
    });
  }
  return {
    type: 'array',
    minItems: 1,
    items: { type: 'object', anyOf },
    // Only an explicit false opts out of parallel calls.
    ...(parallelToolCalls === false ? { maxItems: 1 } : {}),
    ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}),
  };
}

/**
 * vLLM's reading of a guided answer, unrepaired and unvalidated: a named choice's non-blank
 * content is that function's arguments as written; `required` content must be a JSON array of
 * `{name: string, parameters}` (pydantic `list[FunctionDefinition]`), else there is no call.
 */
export function guidedCalls(content: string, toolChoice: unknown): OutCall[] {
  const named = namedFunction(toolChoice);
  if (named !== null) {
    if (content.trim() === '') return [];
    return [{ id: toolCallId(), type: 'function', function: { name: named, arguments: content } }];
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return [];
  }
  const isDefinition = (v: unknown) =>
    isPlainObject(v) &&
    typeof v.name === 'string' &&
    (v.parameters === undefined || v.parameters === null || isPlainObject(v.parameters));
  if (!Array.isArray(value) || !value.every(isDefinition)) return [];
  return (value as Array<{ name: string; parameters?: unknown }>).map((v) => ({
    id: toolCallId(),
    type: 'function',
    function: { name: v.name, arguments: JSON.stringify(v.parameters ?? null) },
  }));
}
