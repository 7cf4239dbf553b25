// Validates the JSON body of /v1/chat/completions and /v1/completions the way vLLM's pydantic
// models would (400 with the offending `param`), and normalises it. Unknown fields are accepted
// and ignored, as vLLM does (chat_template_kwargs, structured_outputs, top_k, priority, ...).
import type { ChatMessage, ChatTool } from './chat-template.js';
import { TRANSPORT_FAULTS, type TransportFault } from './faults.js';
import { badRequest } from './vllm-errors.js';

/** Test hook: `sim_script` in the request body scripts the exact output and/or a fault. */
export interface SimScript {
  /** Exact assistant text to return (through the parser). */
  raw?: string;
  /** Parser for this request, overriding the pod's --parser. */
  parser?: 'hermes' | 'none';
  fault?: TransportFault;
  /** Pause this long after the first chunk (stream) or before the response (non-stream). */
  stall_ms?: number;
  /** Fixed timing for this request (bypasses batching). */
  ttft_ms?: number;
  itl_ms?: number;
}

export interface ParsedRequest {
  api: 'chat' | 'completions';
  model: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  maxTokens: number | undefined;
  minTokens: number;
  ignoreEos: boolean;
  messages?: ChatMessage[];
  /** Completions: text prompt, or token ids. */
  prompt?: string;
  promptIds?: number[];
  tools?: ChatTool[];
  /** As sent: undefined when absent, null when sent as null (vLLM treats the two differently). */
  toolChoice?: unknown;
  enableThinking?: boolean;
  /** parallel_tool_calls (default true); false: vLLM returns only the first call. */
  parallelToolCalls: boolean;
  /** include_reasoning (default true); false: vLLM drops `reasoning`. */
  includeReasoning: boolean;
  /** skip_special_tokens as sent (the parsers may override it, see vllm-chat-parser.ts). */
  skipSpecialTokens?: boolean;
  script?: SimScript;
  /**
   * The output is constrained to this JSON Schema (guided decoding): `structured_outputs.json`,
   * legacy `guided_json`, or `response_format` json_schema / json_object ({type: object}).
   */
  structuredJson?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function optInt(body: Obj, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${key}: Input should be a valid integer`, key);
  if (v < min) throw badRequest(`${key} must be at least ${min}, got ${v}.`, key);
  return v;
}

function optBool(body: Obj, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${key}: Input should be a valid boolean`, key);
  return v;
}

function parseTools(body: Obj): ChatTool[] | undefined {
  const tools = body.tools;
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) throw badRequest('tools: Input should be a valid list', 'tools');
  tools.forEach((t, i) => {
    if (!isObj(t) || !isObj(t.function) || typeof t.function.name !== 'string')
      throw badRequest(`tools.${i}.function.name: Field required`, 'tools');
    if (t.type !== undefined && t.type !== 'function')
      throw badRequest(`tools.${i}.type: Input should be 'function'`, 'tools');
    if (t.function.parameters !== undefined && t.function.parameters !== null && !isObj(t.function.parameters))
      throw badRequest(`tools.${i}.function.parameters: Input should be a valid dictionary`, 'tools');
  });
  return tools as ChatTool[];
}

function parseToolChoice(body: Obj, tools: ChatTool[] | undefined): unknown {
  const tc = body.tool_choice;
  if (tc === undefined || tc === null) return tc;
  if (typeof tc === 'string') {
    if (!['none', 'auto', 'required'].includes(tc))
      throw badRequest(`tool_choice: Input should be 'none', 'auto' or 'required'`, 'tool_choice');
    if (tc === 'required' && !tools?.length)
      throw badRequest('When using `tool_choice`, `tools` must be set.', 'tool_choice');
    return tc;
  }
  if (!isObj(tc) || !isObj(tc.function) || typeof tc.function.name !== 'string')
    throw badRequest('tool_choice: Input should be a valid named tool choice', 'tool_choice');
  if (!tools?.length) throw badRequest('When using `tool_choice`, `tools` must be set.', 'tool_choice');
  const name = tc.function.name;
  if (!tools.some((t) => t.function.name === name))
    throw badRequest(`Tool '${name}' has not been passed in \`tools\`.`, 'tool_choice');
  return tc;
}

function parseScript(v: unknown): SimScript | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw badRequest('sim_script must be an object', 'sim_script');
  const s: SimScript = {};
  if (v.raw !== undefined) {
    if (typeof v.raw !== 'string') throw badRequest('sim_script.raw must be a string', 'sim_script');
    s.raw = v.raw;
  }
  if (v.parser !== undefined) {
    if (v.parser !== 'hermes' && v.parser !== 'none')
      throw badRequest("sim_script.parser must be 'hermes' or 'none'", 'sim_script');
    s.parser = v.parser;
  }
  if (v.fault !== undefined) {
    if (typeof v.fault !== 'string' || !(TRANSPORT_FAULTS as readonly string[]).includes(v.fault))
      throw badRequest(`sim_script.fault must be one of ${TRANSPORT_FAULTS.join(', ')}`, 'sim_script');
    s.fault = v.fault as TransportFault;
  }
  for (const key of ['stall_ms', 'ttft_ms', 'itl_ms'] as const) {
    const x = v[key];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !(x >= 0) || x > 600_000)
      throw badRequest(`sim_script.${key} must be a number of ms in [0, 600000]`, 'sim_script');
    s[key] = x;
  }
  return s;
}

function common(body: Obj, api: 'chat' | 'completions'): ParsedRequest {
  if (body.model !== undefined && body.model !== null && typeof body.model !== 'string')
    throw badRequest('model: Input should be a valid string', 'model');
  const stream = optBool(body, 'stream') ?? false;
  const so = body.stream_options;
  if (so !== undefined && so !== null) {
    if (!isObj(so)) throw badRequest('stream_options: Input should be a valid dictionary', 'stream_options');
    if (!stream) throw badRequest('Stream options can only be defined when `stream=True`.', 'stream_options');
  }
  const n = optInt(body, 'n', 1);
  if (n !== undefined && n > 1) throw badRequest('n > 1 is not supported by the simulator.', 'n');
  const maxTokens =
    api === 'chat'
      ? (optInt(body, 'max_completion_tokens', 1) ?? optInt(body, 'max_tokens', 1))
      : optInt(body, 'max_tokens', 1);
  const minTokens = optInt(body, 'min_tokens', 0) ?? 0;
  if (maxTokens !== undefined && minTokens > maxTokens)
    throw badRequest(
      `min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${minTokens}.`,
      'min_tokens',
    );
  for (const key of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'] as const) {
    const v = body[key];
    if (v !== undefined && v !== null && typeof v !== 'number')
      throw badRequest(`${key}: Input should be a valid number`, key);
  }
  return {
    api,
    model: typeof body.model === 'string' ? body.model : undefined,
    stream,
    includeUsage: isObj(so) && so.include_usage === true,
    continuousUsage: isObj(so) && so.continuous_usage_stats === true,
    maxTokens,
    minTokens,
    ignoreEos: optBool(body, 'ignore_eos') ?? false,
    parallelToolCalls: optBool(body, 'parallel_tool_calls') ?? true,
    includeReasoning: optBool(body, 'include_reasoning') ?? true,
    ...(optBool(body, 'skip_special_tokens') !== undefined
      ? { skipSpecialTokens: optBool(body, 'skip_special_tokens') }
      : {}),
    script: parseScript(body.sim_script),
    ...structuredJsonOf(body),
  };
}

/**
 * response_format as vLLM maps it onto structured outputs (entrypoints/generate/base/protocol.py
 * structured_outputs_from_response_format): json_schema → its schema, json_object → any object.
 */
function responseFormatSchema(body: Obj): Record<string, unknown> | undefined {
  const rf = body.response_format;
  if (rf === undefined || rf === null) return undefined;
  if (!isObj(rf) || typeof rf.type !== 'string')
    throw badRequest('response_format: Input should be a valid dictionary with a type', 'response_format');
  if (rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return { type: 'object' };
  if (rf.type === 'json_schema') {
    const js = rf.json_schema;
    if (js === undefined || js === null)
      throw badRequest(
        "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
        'response_format',
      );
    if (!isObj(js) || (js.schema !== undefined && js.schema !== null && !isObj(js.schema)))
      throw badRequest('response_format.json_schema.schema: Input should be a valid dictionary', 'response_format');
    return isObj(js.schema) ? js.schema : {};
  }
  throw badRequest(
    `response_format.type: Input should be 'text', 'json_object', 'json_schema' or 'structural_tag'`,
    'response_format',
  );
}

/** vLLM's guided decoding by JSON Schema: `structured_outputs: {json}` (or the older `guided_json`), or response_format. */
function structuredJsonOf(body: Obj): { structuredJson?: Record<string, unknown> } {
  const fromFormat = responseFormatSchema(body);
  if (fromFormat) return { structuredJson: fromFormat };
  const so = body.structured_outputs;
  const schema = isObj(so) ? so.json : body.guided_json;
  if (schema === undefined || schema === null) return {};
  if (typeof schema === 'string') {
    try {
      const parsed: unknown = JSON.parse(schema);
      if (isObj(parsed)) return { structuredJson: parsed };
    } catch {
      /* reported below */
    }
  }
  if (isObj(schema)) return { structuredJson: schema };
  throw badRequest('structured_outputs.json must be a JSON Schema object', 'structured_outputs');
}

export function parseChatRequest(body: unknown): ParsedRequest {
  if (!isObj(body)) throw badRequest('Request body must be a JSON object.');
  const req = common(body, 'chat');
  const messages = body.messages;
  if (!Array.isArray(messages)) throw badRequest('messages: Field required', 'messages');
  if (messages.length === 0) throw badRequest('messages: List should have at least 1 item', 'messages');
  messages.forEach((m, i) => {
    if (!isObj(m) || typeof m.role !== 'string') throw badRequest(`messages.${i}.role: Field required`, 'messages');
    if (m.content !== undefined && m.content !== null && typeof m.content !== 'string' && !Array.isArray(m.content))
      throw badRequest(`messages.${i}.content: Input should be a valid string or list of content parts`, 'messages');
  });
  req.messages = messages as ChatMessage[];
  req.tools = parseTools(body);
  req.toolChoice = parseToolChoice(body, req.tools);
  const kwargs = body.chat_template_kwargs;
  if (isObj(kwargs) && typeof kwargs.enable_thinking === 'boolean') req.enableThinking = kwargs.enable_thinking;
  return req;
}

export function parseCompletionRequest(body: unknown): ParsedRequest {
  if (!isObj(body)) throw badRequest('Request body must be a JSON object.');
  const req = common(body, 'completions');
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0])))
    prompt = prompt[0];
  if (typeof prompt === 'string') req.prompt = prompt;
  else if (
    Array.isArray(prompt) &&
    prompt.length > 0 &&
    prompt.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)
  )
    req.promptIds = prompt as number[];
  else if (Array.isArray(prompt) && prompt.length > 1)
    throw badRequest('Batched prompts are not supported by the simulator; send one prompt per request.', 'prompt');
  else throw badRequest('prompt: Input should be a valid string or a list of token ids', 'prompt');
  return req;
}
