// A Responses request as the chat completions body of one model call: the conversation so far,
// the function tools and the MCP tools as functions, tool_choice, text.format as
// response_format, reasoning.effort as reasoning_effort (vLLM maps it to the template's
// enable_thinking, as its own Responses code does), max_output_tokens as what is left of it,
// and every field the gateway does not interpret, unchanged. Streams ask for the usage chunk,
// which the response's usage is built from.
import { GatewayError } from '../api/errors.js';
import type { OfferedTool } from '../mcp/offer.js';
import type { ChatMessage } from './input-items.js';
import { isObj, type Obj } from './protocol.js';
import type { ResponsesRequest } from './request.js';

const toolName = (t: Obj) => (t.function as { name: string }).name;

/** The tools the model is offered and the chat tool_choice, from the request's tool_choice. */
export function toolsAndChoice(
  req: ResponsesRequest,
  mcpTools: readonly Obj[],
  mcp: ReadonlyMap<string, OfferedTool>,
): { tools: Obj[]; toolChoice: unknown } {
  let tools = [...req.functionTools, ...mcpTools];
  const choice = req.toolChoice;
  const unknownTool = (name: string) =>
    new GatewayError(400, `tool_choice names '${name}', which is not among the request's tools.`, {
      param: 'tool_choice',
      code: 'invalid_value',
    });
  if (choice === 'auto' || choice === 'none' || choice === 'required') {
    if (choice === 'required' && tools.length === 0)
      throw new GatewayError(400, `tool_choice 'required' needs tools.`, {
        param: 'tool_choice',
        code: 'invalid_value',
      });
    return { tools, toolChoice: tools.length > 0 ? choice : undefined };
  }
  const c = choice as Obj;
  if (c.type === 'function') {
    if (!tools.some((t) => toolName(t) === c.name)) throw unknownTool(String(c.name));
    return { tools, toolChoice: { type: 'function', function: { name: c.name } } };
  }
  if (c.type === 'mcp') {
    const ofServer = mcpTools.filter((t) => mcp.get(toolName(t))?.server.serverLabel === c.server_label);
    if (typeof c.name === 'string') {
      if (!ofServer.some((t) => toolName(t) === c.name)) throw unknownTool(`${String(c.server_label)}.${c.name}`);
      return { tools, toolChoice: { type: 'function', function: { name: c.name } } };
    }
    if (ofServer.length === 0) throw unknownTool(String(c.server_label));
    return { tools: ofServer, toolChoice: 'required' };
  }
  // allowed_tools: only the listed tools are offered, under its mode.
  const allowed = (c.tools as unknown[]).filter(isObj);
  tools = tools.filter((t) => {
    const name = toolName(t);
    const server = mcp.get(name)?.server.serverLabel;
    return allowed.some(
      (a) =>
        (a.type === 'function' && a.name === name && !server) ||
        (a.type === 'mcp' && a.server_label === server && (a.name === undefined || a.name === name)),
    );
  });
  if (tools.length === 0)
    throw new GatewayError(400, "tool_choice.allowed_tools matches none of the request's tools.", {
      param: 'tool_choice',
      code: 'invalid_value',
    });
  return { tools, toolChoice: c.mode };
}

export function chatBody(
  req: ResponsesRequest,
  messages: ChatMessage[],
  tools: Obj[],
  toolChoice: unknown,
  maxTokens: number | null,
): Obj {
  const body: Obj = { ...req.passthrough, model: req.model, messages, stream: req.stream };
  if (req.stream) body.stream_options = { include_usage: true };
  if (tools.length > 0) {
    body.tools = tools;
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
    if (!req.parallelToolCalls) body.parallel_tool_calls = false;
  }
  if (maxTokens !== null) body.max_completion_tokens = maxTokens;
  if (req.temperature !== null) body.temperature = req.temperature;
  if (req.topP !== null) body.top_p = req.topP;
  if (req.user !== null) body.user = req.user;
  const format = req.text.format as Obj;
  if (format.type === 'json_object') body.response_format = { type: 'json_object' };
  if (format.type === 'json_schema') {
    const { type: _t, ...schema } = format;
    body.response_format = { type: 'json_schema', json_schema: schema };
  }
  if (req.reasoning && typeof req.reasoning.effort === 'string') body.reasoning_effort = req.reasoning.effort;
  return body;
}
