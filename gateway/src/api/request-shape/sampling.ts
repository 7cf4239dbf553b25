// Scalar request fields (sampling, limits, stop, user...) with the types vLLM 0.33's request
// models give them (entrypoints/openai/chat_completion/protocol.py, completion/protocol.py) and
// the ranges its SamplingParams._verify_args and check_logprobs refuse (sampling_params.py), so
// `"n": "x"`, `"max_tokens": 0.5` or `"temperature": 9` is a 400 here rather than at a pod. Types
// follow pydantic's lax mode (lax.ts); fields not listed pass through untouched.
import { GatewayError } from '../errors.js';
import type { Endpoint } from '../validate-request.js';
import { laxBool, laxFloat, laxInt } from './lax.js';

type Kind = 'int' | 'float' | 'bool' | 'string';
interface FieldRule {
  kind: Kind;
  /** null is accepted (Optional in vLLM's model). */
  nullable: boolean;
  /** Allowed range of the coerced value, checked when present. */
  check?: (v: number) => boolean;
  range?: string;
}

const opt = (kind: Kind, check?: FieldRule['check'], range?: string): FieldRule => ({
  kind,
  nullable: true,
  check,
  range,
});
const req = (kind: Kind, check?: FieldRule['check'], range?: string): FieldRule => ({
  kind,
  nullable: false,
  check,
  range,
});
const penalty = opt('float', (v) => v >= -2 && v <= 2, 'in [-2, 2]');

const COMMON: Record<string, FieldRule> = {
  frequency_penalty: penalty,
  presence_penalty: penalty,
  max_tokens: opt('int'),
  seed: opt('int', (v) => Math.abs(v) < 2 ** 63, 'a 64-bit integer'),
  temperature: opt('float', (v) => Number.isFinite(v) && v >= 0 && v <= 2, 'a finite number in [0, 2]'),
  top_p: opt('float', (v) => v > 0 && v <= 1, 'in (0, 1]'),
  top_k: opt('int', (v) => v >= -1, '-1, 0 (disabled) or at least 1'),
  min_p: opt('float', (v) => v >= 0 && v <= 1, 'in [0, 1]'),
  repetition_penalty: opt('float', (v) => Number.isFinite(v) && v > 0, 'a finite number > 0'),
  min_tokens: req('int', (v) => v >= 0, '>= 0'),
  user: opt('string'),
  ignore_eos: req('bool'),
  priority: req('int'),
};
const FIELDS: Record<Endpoint, Record<string, FieldRule>> = {
  chat: {
    ...COMMON,
    n: opt('int', (v) => v >= 1, 'at least 1'),
    max_completion_tokens: opt('int'),
    logprobs: opt('bool'),
    parallel_tool_calls: opt('bool'),
  },
  completions: {
    ...COMMON,
    n: req('int', (v) => v >= 1, 'at least 1'),
    logprobs: opt('int'),
    echo: opt('bool'),
  },
  tokenize: {},
};

const bad = (message: string, param: string, code = 'invalid_type') => new GatewayError(400, message, { param, code });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Python truthiness of a JSON value (vLLM's before-validators test `data.get(...)` that way). */
const truthy = (v: unknown): boolean =>
  v !== undefined &&
  v !== null &&
  v !== false &&
  v !== 0 &&
  v !== '' &&
  !(Array.isArray(v) && v.length === 0) &&
  !(isObject(v) && Object.keys(v).length === 0);

function coerce(kind: Kind, v: unknown): number | boolean | string | undefined {
  switch (kind) {
    case 'int':
      return laxInt(v);
    case 'float':
      return laxFloat(v);
    case 'bool':
      return laxBool(v);
    default:
      return typeof v === 'string' ? v : undefined;
  }
}

const KIND_WORDS: Record<Kind, string> = {
  int: 'an integer',
  float: 'a number',
  bool: 'a boolean',
  string: 'a string',
};

/** Each endpoint's rules as a list, built once (not an Object.entries array per request). */
const RULE_LISTS = Object.fromEntries(
  Object.entries(FIELDS).map(([endpoint, rules]) => [endpoint, Object.entries(rules)]),
) as Record<Endpoint, Array<[string, FieldRule]>>;

export function validateSampling(endpoint: Endpoint, body: Record<string, unknown>): void {
  const values: Record<string, unknown> = {};
  for (const [name, rule] of RULE_LISTS[endpoint]) {
    if (!(name in body)) continue;
    const raw = body[name];
    if (raw === null) {
      if (!rule.nullable) throw bad(`'${name}' must be ${KIND_WORDS[rule.kind]}, not null.`, name);
      continue;
    }
    const v = coerce(rule.kind, raw);
    if (v === undefined) throw bad(`'${name}' must be ${KIND_WORDS[rule.kind]}.`, name);
    if (rule.check && typeof v === 'number' && !rule.check(v))
      throw bad(`'${name}' must be ${rule.range} (got ${String(raw).slice(0, 40)}).`, name, 'invalid_value');
    values[name] = v;
  }
  checkMaxTokens(endpoint, values);
  checkStop(body.stop);
  checkStreamOptions(body);
  checkLogprobs(endpoint, body);
  checkLogitBias(body.logit_bias);
  checkResponseFormat(body.response_format);
  for (const name of OBJECT_FIELDS) {
    const v = body[name];
    if (v !== undefined && v !== null && !isObject(v)) throw bad(`'${name}' must be an object.`, name);
  }
}

/** vLLM extras typed `dict | None` in its request models. */
const OBJECT_FIELDS = [
  'chat_template_kwargs',
  'structured_outputs',
  'mm_processor_kwargs',
  'media_io_kwargs',
  'kv_transfer_params',
  'vllm_xargs',
];

/** vLLM uses max_completion_tokens when set, else max_tokens; fewer than 1 is refused. */
function checkMaxTokens(endpoint: Endpoint, values: Record<string, unknown>): void {
  const name =
    endpoint === 'chat' && values.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const v = values[name];
  if (typeof v === 'number' && v < 1) throw bad(`'${name}' must be at least 1, got ${v}.`, name, 'invalid_value');
}

function checkStop(stop: unknown): void {
  if (stop === undefined || stop === null) return;
  if (typeof stop === 'string') {
    if (stop === '') throw bad('stop cannot contain an empty string.', 'stop', 'invalid_value');
    return;
  }
  if (!Array.isArray(stop)) throw bad(`'stop' must be a string or an array of strings.`, 'stop');
  for (let i = 0; i < stop.length; i++) {
    if (typeof stop[i] !== 'string') throw bad(`'stop[${i}]' must be a string.`, `stop[${i}]`);
    if (stop[i] === '') throw bad('stop cannot contain an empty string.', `stop[${i}]`, 'invalid_value');
  }
}

function checkStreamOptions(body: Record<string, unknown>): void {
  const so = body.stream_options;
  if (so === undefined || so === null) return;
  if (!isObject(so)) throw bad(`'stream_options' must be an object.`, 'stream_options');
  for (const key of ['include_usage', 'continuous_usage_stats']) {
    if (so[key] !== undefined && so[key] !== null && laxBool(so[key]) === undefined)
      throw bad(`'stream_options.${key}' must be a boolean.`, `stream_options.${key}`);
  }
  if (truthy(so) && !truthy(body.stream))
    throw bad('Stream options can only be defined when `stream=True`.', 'stream_options', 'invalid_value');
}

/** check_logprobs (chat protocol.py): numbers only, -1 or >= 0, and top_logprobs needs logprobs. */
function checkLogprobs(endpoint: Endpoint, body: Record<string, unknown>): void {
  const names = endpoint === 'chat' ? ['prompt_logprobs', 'top_logprobs'] : ['prompt_logprobs'];
  for (const name of names) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    const n = typeof v === 'number' || typeof v === 'boolean' ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw bad(`\`${name}\` must be an integer.`, name);
    if (n < 0 && n !== -1) throw bad(`\`${name}\` must be a positive value or -1.`, name, 'invalid_value');
    if (name === 'prompt_logprobs' && truthy(body.stream) && (n > 0 || n === -1)) {
      throw bad('`prompt_logprobs` are not available when `stream=True`.', name, 'invalid_value');
    }
    if (name === 'top_logprobs' && (n > 0 || n === -1) && !truthy(body.logprobs)) {
      throw bad('when using `top_logprobs`, `logprobs` must be set to true.', name, 'invalid_value');
    }
  }
}

function checkLogitBias(bias: unknown): void {
  if (bias === undefined || bias === null) return;
  if (!isObject(bias)) throw bad(`'logit_bias' must be an object of token id → bias.`, 'logit_bias');
  for (const [k, v] of Object.entries(bias))
    if (laxFloat(v) === undefined) throw bad(`'logit_bias["${k.slice(0, 20)}"]' must be a number.`, 'logit_bias');
}

/** response_format: {type: text | json_object | json_schema (with json_schema.name) | structural_tag}. */
function checkResponseFormat(rf: unknown): void {
  if (rf === undefined || rf === null) return;
  if (!isObject(rf)) throw bad(`'response_format' must be an object.`, 'response_format');
  const type = rf.type;
  if (type !== 'text' && type !== 'json_object' && type !== 'json_schema' && type !== 'structural_tag') {
    throw bad(
      `'response_format.type' must be one of text, json_object, json_schema, structural_tag.`,
      'response_format.type',
      'invalid_value',
    );
  }
  if (type === 'json_schema') {
    const js = rf.json_schema;
    if (js === undefined || js === null)
      throw bad(
        `When response_format type is 'json_schema', the 'json_schema' field must be provided.`,
        'response_format.json_schema',
        'missing_required_parameter',
      );
    if (!isObject(js) || typeof js.name !== 'string')
      throw bad(`'response_format.json_schema' must be an object with a string 'name'.`, 'response_format.json_schema');
    if (js.schema !== undefined && js.schema !== null && !isObject(js.schema))
      throw bad(`'response_format.json_schema.schema' must be an object.`, 'response_format.json_schema.schema');
  }
}
