// Chat `messages` shapes that vLLM 0.33 answers 400 to, refused here before any upstream is used
// (a pod must not be the one to discover that a client sent garbage). Read from vLLM's sources:
// renderers/chat_utils/types.py (the message union: OpenAI's typed messages, plus
// CustomChatCompletionMessageParam, which admits any role string), entrypoints/openai/
// chat_completion/protocol.py (_normalize_messages_before) and renderers/chat_utils/
// chat_message.py (content-part parsing, _postprocess_messages). What vLLM accepts passes, even
// when OpenAI would not: custom roles, a tool message without tool_call_id, a message without
// content. Tool-call `arguments` are left to history repair (toolcalls/history-repair.ts) and
// vLLM. One flat loop over messages and their parts: nothing here recurses into user data.
import { GatewayError } from '../errors.js';

/** Roles with an OpenAI message type in vLLM's union (others are custom-role messages). */
const TYPED_ROLES = new Set(['system', 'user', 'assistant', 'tool', 'developer', 'function']);
/** Roles whose typed message has `name: str`. */
const NAMED_ROLES = new Set(['system', 'user', 'assistant', 'developer']);
/** Content-part types vLLM parses (chat_message.py MM_PARSER_MAP). */
const PART_TYPES = new Set([
  'text',
  'thinking',
  'input_text',
  'output_text',
  'input_image',
  'image_url',
  'image_embeds',
  'audio_embeds',
  'video_embeds',
  'prompt_embeds',
  'image_pil',
  'audio_url',
  'input_audio',
  'refusal',
  'video_url',
  'tool_reference',
]);
/** Keys that let vLLM infer a part's type when `type` is absent. */
const UNTYPED_PART_KEYS = [
  'image_url',
  'image_pil',
  'image_embeds',
  'audio_embeds',
  'video_embeds',
  'prompt_embeds',
  'audio_url',
  'input_audio',
  'video_url',
  'tool_reference',
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string, param: string, code = 'invalid_type') => new GatewayError(400, message, { param, code });

export function validateMessages(messages: unknown[]): void {
  for (let i = 0; i < messages.length; i++) {
    const at = `messages[${i}]`;
    const m = messages[i];
    if (!isObject(m)) throw bad(`'${at}' must be an object.`, at);
    const role = m.role;
    if (role === undefined)
      throw bad(`'${at}.role' is a required property.`, `${at}.role`, 'missing_required_parameter');
    if (typeof role !== 'string') throw bad(`'${at}.role' must be a string.`, `${at}.role`);
    checkContent(m, role, at);
    if (NAMED_ROLES.has(role) && 'name' in m && typeof m.name !== 'string')
      throw bad(`'${at}.name' must be a string.`, `${at}.name`);
    if (
      role === 'tool' &&
      m.tool_call_id !== undefined &&
      m.tool_call_id !== null &&
      typeof m.tool_call_id !== 'string'
    ) {
      throw bad(`'${at}.tool_call_id' must be a string.`, `${at}.tool_call_id`);
    }
    // tool_calls is read from assistant messages and validated on custom-role ones; the other
    // typed roles ignore it.
    if (role === 'assistant' || !TYPED_ROLES.has(role)) checkToolCalls(m, at);
  }
}

function checkContent(m: Record<string, unknown>, role: string, at: string): void {
  const content = m.content;
  if (content === undefined || typeof content === 'string') return;
  if (content === null) {
    // Only OpenAI's assistant and legacy function (with its required name) message types take
    // `content: null`; the assistant type then wants `tool_calls` absent or a list, not null.
    if (role === 'function' && typeof m.name === 'string') return;
    if (role === 'assistant' && m.tool_calls !== null) return;
    const why =
      role === 'assistant'
        ? ` when 'tool_calls' is null`
        : role === 'function'
          ? ' without a name'
          : ` for role '${role}'`;
    throw bad(
      `'${at}.content' must be a string or an array of content parts (null is not accepted${why}).`,
      `${at}.content`,
    );
  }
  // pydantic takes any iterable for typed content, so an empty object is an empty list to vLLM.
  if (isObject(content) && Object.keys(content).length === 0) return;
  if (!Array.isArray(content))
    throw bad(`'${at}.content' must be a string or an array of content parts.`, `${at}.content`);
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    const pat = `${at}.content[${j}]`;
    if (typeof part === 'string') continue;
    if (!isObject(part)) throw bad(`'${pat}' must be an object or a string.`, pat);
    const type = part.type;
    if (type === undefined || type === null) {
      if (!UNTYPED_PART_KEYS.some((k) => k in part))
        throw bad(`'${pat}' is missing its 'type'.`, `${pat}.type`, 'missing_required_parameter');
      continue;
    }
    if (typeof type !== 'string') throw bad(`'${pat}.type' must be a string.`, `${pat}.type`);
    if (!PART_TYPES.has(type))
      throw bad(
        `'${pat}.type' '${type.slice(0, 64)}' is not a supported content part type.`,
        `${pat}.type`,
        'invalid_value',
      );
    // A missing/null text is skipped by vLLM; any other non-string fails pydantic or the join of texts.
    if (type === 'text' && part.text !== undefined && part.text !== null && typeof part.text !== 'string') {
      throw bad(`'${pat}.text' must be a string.`, `${pat}.text`);
    }
  }
}

/**
 * vLLM turns a non-list `tool_calls` into `list(value)` (protocol.py): a string becomes its
 * characters and an object its keys, which then fail as calls; "" and {} become an empty list.
 */
function checkToolCalls(m: Record<string, unknown>, at: string): void {
  const calls = m.tool_calls;
  if (calls === undefined || calls === null) return;
  if (!Array.isArray(calls)) {
    if (calls === '' || (isObject(calls) && Object.keys(calls).length === 0)) return;
    throw bad(`'${at}.tool_calls' must be an array of tool calls.`, `${at}.tool_calls`);
  }
  for (let k = 0; k < calls.length; k++) {
    const call: unknown = calls[k];
    const cat = `${at}.tool_calls[${k}]`;
    if (!isObject(call)) throw bad(`'${cat}' must be an object.`, cat);
    if (typeof call.id !== 'string')
      throw bad(
        `'${cat}.id' is required and must be a string.`,
        `${cat}.id`,
        call.id === undefined ? 'missing_required_parameter' : 'invalid_type',
      );
    if (call.type !== 'function')
      throw bad(
        `'${cat}.type' must be 'function'.`,
        `${cat}.type`,
        call.type === undefined ? 'missing_required_parameter' : 'invalid_value',
      );
    const fn = call.function;
    if (!isObject(fn)) throw bad(`'${cat}.function' must be an object.`, `${cat}.function`);
    if (typeof fn.name !== 'string')
      throw bad(`'${cat}.function.name' is required and must be a string.`, `${cat}.function.name`);
  }
}
