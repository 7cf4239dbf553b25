// Reads a POST /v1/responses body into a checked request: the fields the gateway interprets,
// the function and MCP tools, and the fields it does not know, which pass through to the chat
// body as they are (vLLM extras such as top_k, chat_template_kwargs, seed; the simulator's
// sim_script). What the gateway cannot serve is refused with a 400 naming the parameter, never
// ignored: background mode, the Conversations API, prompt templates, hosted tools.
import { GatewayError } from '../api/errors.js';
import { isObj, type Obj } from './protocol.js';

export type ApprovalPolicy = 'always' | 'never' | { always: string[] | null; never: string[] | null };

/** One `{"type": "mcp"}` tool of the request. */
export interface McpToolSpec {
  serverLabel: string;
  serverUrl: string;
  /** Tool names the model may use (null: all the server lists). */
  allowedTools: string[] | null;
  requireApproval: ApprovalPolicy;
  /** Sent to the server on every request (e.g. Authorization); never stored or echoed. */
  headers: Record<string, string>;
}

export interface ResponsesRequest {
  model: string;
  stream: boolean;
  store: boolean;
  /** Input items; a string input is one user message. */
  input: Obj[];
  instructions: string | null;
  previousResponseId: string | null;
  /** Function tools in chat form: {type: 'function', function: {name, description, parameters, strict}}. */
  functionTools: Obj[];
  mcp: McpToolSpec[];
  /** The tools as the response object echoes them (MCP headers left out). */
  toolsEcho: unknown[];
  toolChoice: unknown;
  /** `text` as echoed (format defaults to text). */
  text: Obj;
  reasoning: Obj | null;
  maxOutputTokens: number | null;
  maxToolCalls: number | null;
  parallelToolCalls: boolean;
  temperature: number | null;
  topP: number | null;
  user: string | null;
  metadata: Obj | null;
  truncation: string;
  serviceTier: string;
  /** Fields the gateway does not interpret: they reach the chat body unchanged. */
  passthrough: Obj;
}

/** Fields of the Responses API the gateway reads (everything else passes through). */
const KNOWN = new Set([
  'model',
  'input',
  'instructions',
  'stream',
  'stream_options',
  'store',
  'previous_response_id',
  'tools',
  'tool_choice',
  'text',
  'reasoning',
  'max_output_tokens',
  'max_tool_calls',
  'parallel_tool_calls',
  'temperature',
  'top_p',
  'user',
  'metadata',
  'truncation',
  'service_tier',
  'include',
  'background',
  'conversation',
  'prompt',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'top_logprobs',
]);

const invalid = (message: string, param: string, code = 'invalid_value') =>
  new GatewayError(400, message, { param, code });

function optional<T>(body: Obj, key: string, check: (v: unknown) => v is T, what: string): T | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (!check(v)) throw invalid(`'${key}' must be ${what}.`, key, 'invalid_type');
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

export function readResponsesRequest(body: Obj): ResponsesRequest {
  const model = body.model;
  if (model === undefined || model === null || model === '')
    throw invalid('You must provide a model parameter.', 'model', 'missing_required_parameter');
  if (typeof model !== 'string') throw invalid(`'model' must be a string.`, 'model', 'invalid_type');
  if (body.background === true)
    throw invalid('Background mode is not supported by this gateway.', 'background', 'unsupported_parameter');
  if (body.conversation !== undefined && body.conversation !== null) {
    throw invalid(
      'The Conversations API is not supported by this gateway; chain turns with previous_response_id.',
      'conversation',
      'unsupported_parameter',
    );
  }
  if (body.prompt !== undefined && body.prompt !== null)
    throw invalid('Prompt templates are not supported by this gateway.', 'prompt', 'unsupported_parameter');

  const input = readInput(body.input);
  const stream = optional(body, 'stream', isBool, 'a boolean') ?? false;
  const store = optional(body, 'store', isBool, 'a boolean') ?? true;
  const previousResponseId = optional(body, 'previous_response_id', isString, 'a string');
  if (previousResponseId === '') throw invalid(`'previous_response_id' must not be empty.`, 'previous_response_id');
  const instructions = optional(body, 'instructions', isString, 'a string');
  const { functionTools, mcp, toolsEcho } = readTools(body.tools);
  const text = optional(body, 'text', isObj, 'an object') ?? {};
  if (text.format !== undefined && text.format !== null) readFormat(text.format);
  const reasoning = optional(body, 'reasoning', isObj, 'an object');
  const maxOutputTokens = optional(body, 'max_output_tokens', isPositiveInt, 'a positive integer');
  const maxToolCalls = optional(body, 'max_tool_calls', isPositiveInt, 'a positive integer');
  const parallelToolCalls = optional(body, 'parallel_tool_calls', isBool, 'a boolean') ?? true;
  const temperature = optional(body, 'temperature', isNumber, 'a number');
  const topP = optional(body, 'top_p', isNumber, 'a number');
  const user = optional(body, 'user', isString, 'a string');
  const metadata = optional(body, 'metadata', isObj, 'an object');
  const truncation =
    optional(body, 'truncation', (v): v is string => v === 'auto' || v === 'disabled', `'auto' or 'disabled'`) ??
    'disabled';
  const serviceTier = optional(body, 'service_tier', isString, 'a string') ?? 'auto';
  readToolChoice(body.tool_choice);

  const passthrough: Obj = {};
  for (const [k, v] of Object.entries(body)) if (!KNOWN.has(k)) passthrough[k] = v;
  return {
    model,
    stream,
    store,
    input,
    instructions,
    previousResponseId,
    functionTools,
    mcp,
    toolsEcho,
    toolChoice: body.tool_choice ?? 'auto',
    text: { ...text, format: text.format ?? { type: 'text' } },
    reasoning,
    maxOutputTokens,
    maxToolCalls,
    parallelToolCalls,
    temperature,
    topP,
    user,
    metadata,
    truncation,
    serviceTier,
    passthrough,
  };
}

function readInput(input: unknown): Obj[] {
  if (input === undefined || input === null)
    throw invalid(`'input' is a required property.`, 'input', 'missing_required_parameter');
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (!Array.isArray(input))
    throw invalid(`'input' must be a string or an array of input items.`, 'input', 'invalid_type');
  input.forEach((item, i) => {
    if (!isObj(item)) throw invalid(`'input[${i}]' must be an object.`, `input[${i}]`, 'invalid_type');
  });
  return input as Obj[];
}

function readTools(tools: unknown): { functionTools: Obj[]; mcp: McpToolSpec[]; toolsEcho: unknown[] } {
  const out = { functionTools: [] as Obj[], mcp: [] as McpToolSpec[], toolsEcho: [] as unknown[] };
  if (tools === undefined || tools === null) return out;
  if (!Array.isArray(tools)) throw invalid(`'tools' must be an array.`, 'tools', 'invalid_type');
  const labels = new Set<string>();
  tools.forEach((t, i) => {
    const param = `tools[${i}]`;
    if (!isObj(t)) throw invalid(`'${param}' must be an object.`, param, 'invalid_type');
    if (t.type === 'function') {
      if (typeof t.name !== 'string' || t.name === '')
        throw invalid(`'${param}.name' must be a non-empty string.`, `${param}.name`);
      if (t.parameters !== undefined && t.parameters !== null && !isObj(t.parameters))
        throw invalid(`'${param}.parameters' must be an object.`, `${param}.parameters`);
      const fn: Obj = { name: t.name };
      if (typeof t.description === 'string') fn.description = t.description;
      if (isObj(t.parameters)) fn.parameters = t.parameters;
      if (typeof t.strict === 'boolean') fn.strict = t.strict;
      out.functionTools.push({ type: 'function', function: fn });
      out.toolsEcho.push(t);
      return;
    }
    if (t.type === 'mcp') {
      const spec = readMcpTool(t, param);
      if (labels.has(spec.serverLabel))
        throw invalid(`Two mcp tools use the server_label '${spec.serverLabel}'.`, `${param}.server_label`);
      labels.add(spec.serverLabel);
      out.mcp.push(spec);
      const { headers: _h, authorization: _a, ...echo } = t;
      out.toolsEcho.push(echo);
      return;
    }
    throw invalid(
      `Tool type '${String(t.type)}' is not supported by this gateway (supported: function, mcp).`,
      `${param}.type`,
      'unsupported_tool_type',
    );
  });
  return out;
}

function readMcpTool(t: Obj, param: string): McpToolSpec {
  if (typeof t.server_label !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(t.server_label)) {
    throw invalid(`'${param}.server_label' must be 1-64 letters, digits, '_' or '-'.`, `${param}.server_label`);
  }
  if (typeof t.server_url !== 'string' || t.server_url === '') {
    const why = t.connector_id !== undefined ? 'connectors are not supported; give server_url' : 'it is required';
    throw invalid(`'${param}.server_url' must be a URL (${why}).`, `${param}.server_url`, 'missing_required_parameter');
  }
  let allowedTools: string[] | null = null;
  const at = t.allowed_tools;
  if (Array.isArray(at)) allowedTools = at.map((n, j) => nameAt(n, `${param}.allowed_tools[${j}]`));
  else if (isObj(at))
    allowedTools = Array.isArray(at.tool_names)
      ? at.tool_names.map((n, j) => nameAt(n, `${param}.allowed_tools.tool_names[${j}]`))
      : null;
  else if (at !== undefined && at !== null)
    throw invalid(`'${param}.allowed_tools' must be an array of tool names or {tool_names}.`, `${param}.allowed_tools`);
  const headers: Record<string, string> = {};
  if (t.headers !== undefined && t.headers !== null) {
    if (!isObj(t.headers)) throw invalid(`'${param}.headers' must be an object of strings.`, `${param}.headers`);
    for (const [k, v] of Object.entries(t.headers)) {
      if (typeof v !== 'string') throw invalid(`'${param}.headers.${k}' must be a string.`, `${param}.headers`);
      headers[k] = v;
    }
  }
  if (typeof t.authorization === 'string') headers.authorization = `Bearer ${t.authorization}`;
  return {
    serverLabel: t.server_label,
    serverUrl: t.server_url,
    allowedTools,
    requireApproval: readApproval(t.require_approval, param),
    headers,
  };
}

function nameAt(v: unknown, param: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`'${param}' must be a tool name.`, param);
  return v;
}

/** OpenAI's semantics: 'always' (the default), 'never', or {always: {tool_names}, never: {tool_names}}. */
function readApproval(v: unknown, param: string): ApprovalPolicy {
  if (v === undefined || v === null || v === 'always') return 'always';
  if (v === 'never') return 'never';
  if (isObj(v)) {
    const names = (x: unknown, key: string): string[] | null => {
      if (x === undefined || x === null) return null;
      if (!isObj(x) || (x.tool_names !== undefined && !Array.isArray(x.tool_names))) {
        throw invalid(`'${param}.require_approval.${key}' must be {tool_names: [...]}.`, `${param}.require_approval`);
      }
      return Array.isArray(x.tool_names)
        ? x.tool_names.map((n, j) => nameAt(n, `${param}.require_approval.${key}.tool_names[${j}]`))
        : null;
    };
    return { always: names(v.always, 'always'), never: names(v.never, 'never') };
  }
  throw invalid(
    `'${param}.require_approval' must be 'always', 'never' or a filter object.`,
    `${param}.require_approval`,
  );
}

function readFormat(format: unknown): void {
  if (!isObj(format)) throw invalid(`'text.format' must be an object.`, 'text.format', 'invalid_type');
  if (format.type === 'text' || format.type === 'json_object') return;
  if (format.type === 'json_schema') {
    if (!isObj(format.schema))
      throw invalid(`'text.format.schema' must be a JSON Schema object.`, 'text.format.schema');
    if (typeof format.name !== 'string' || format.name === '')
      throw invalid(`'text.format.name' must be a non-empty string.`, 'text.format.name');
    return;
  }
  throw invalid(`'text.format.type' must be 'text', 'json_object' or 'json_schema'.`, 'text.format.type');
}

function readToolChoice(v: unknown): void {
  if (v === undefined || v === null || v === 'auto' || v === 'none' || v === 'required') return;
  if (isObj(v)) {
    if (v.type === 'function' && typeof v.name === 'string') return;
    if (v.type === 'mcp' && typeof v.server_label === 'string') return;
    if (v.type === 'allowed_tools' && Array.isArray(v.tools) && (v.mode === 'auto' || v.mode === 'required')) return;
  }
  throw invalid(
    `'tool_choice' must be 'auto', 'none', 'required', {type: 'function', name}, {type: 'mcp', server_label, name?} or {type: 'allowed_tools', mode, tools}.`,
    'tool_choice',
  );
}
