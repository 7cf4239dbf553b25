// `tools` and `tool_choice` as vLLM 0.33 checks them (entrypoints/openai/chat_completion/
// protocol.py: ChatCompletionToolsParam, FunctionDefinition, check_tool_usage): a non-empty list
// of {type: "function", function: {name, description?, parameters?, strict?}}, and a tool_choice
// of "none" | "auto" | "required" | {type: "function", function: {name}} naming one of them.
// Schemas inside `parameters` are the tool-call engine's business (toolcalls/compile-tools.ts).
import { GatewayError } from '../errors.js';
import { laxBool } from './lax.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string, param: string, code = 'invalid_type') => new GatewayError(400, message, { param, code });

/** Returns the tools to check calls against (null when there are none). */
export function validateTools(body: Record<string, unknown>): unknown[] | null {
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw bad(`'tools' must be an array.`, 'tools');
    if (tools.length === 0)
      throw bad(
        '`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.',
        'tools',
        'invalid_value',
      );
    for (let i = 0; i < tools.length; i++) checkTool(tools[i], `tools[${i}]`);
  }
  checkToolChoice(body.tool_choice, 'tool_choice' in body, Array.isArray(tools) ? tools : null);
  return Array.isArray(tools) ? tools : null;
}

function checkTool(tool: unknown, at: string): void {
  if (!isObject(tool)) throw bad(`'${at}' must be an object.`, at);
  if (tool.type !== undefined && tool.type !== 'function')
    throw bad(`'${at}.type' must be 'function'.`, `${at}.type`, 'invalid_value');
  const fn = tool.function;
  if (fn === undefined)
    throw bad(`'${at}.function' is a required property.`, `${at}.function`, 'missing_required_parameter');
  if (!isObject(fn)) throw bad(`'${at}.function' must be an object.`, `${at}.function`);
  if (typeof fn.name !== 'string')
    throw bad(`'${at}.function.name' is required and must be a string.`, `${at}.function.name`);
  if (fn.description !== undefined && fn.description !== null && typeof fn.description !== 'string') {
    throw bad(`'${at}.function.description' must be a string.`, `${at}.function.description`);
  }
  if (fn.parameters !== undefined && fn.parameters !== null && !isObject(fn.parameters)) {
    throw bad(`'${at}.function.parameters' must be a JSON Schema object.`, `${at}.function.parameters`);
  }
  if (fn.strict !== undefined && fn.strict !== null && laxBool(fn.strict) === undefined)
    throw bad(`'${at}.function.strict' must be a boolean.`, `${at}.function.strict`);
}

function checkToolChoice(choice: unknown, present: boolean, tools: unknown[] | null): void {
  if (!present || choice === null || choice === 'none') return;
  if (tools === null) throw bad('When using `tool_choice`, `tools` must be set.', 'tool_choice', 'invalid_value');
  if (choice === 'auto' || choice === 'required') return;
  const usage = 'Use "none", "auto", "required" or {"type": "function", "function": {"name": "my_function"}}.';
  if (!isObject(choice)) throw bad(`Invalid value for \`tool_choice\`. ${usage}`, 'tool_choice', 'invalid_value');
  if (choice.type !== undefined && choice.type !== 'function')
    throw bad(`'tool_choice.type' must be 'function'. ${usage}`, 'tool_choice.type', 'invalid_value');
  const fn = choice.function;
  if (!isObject(fn)) throw bad(`'tool_choice.function' must be an object. ${usage}`, 'tool_choice.function');
  if (typeof fn.name !== 'string' || fn.name === '')
    throw bad(`'tool_choice.function.name' must be a non-empty string. ${usage}`, 'tool_choice.function.name');
  const named = fn.name;
  if (!tools.some((t) => isObject(t) && isObject(t.function) && t.function.name === named)) {
    throw bad(
      'The tool specified in `tool_choice` does not match any of the specified `tools`.',
      'tool_choice',
      'invalid_value',
    );
  }
}
