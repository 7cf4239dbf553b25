// Shape checks of OpenAI requests that the gateway itself relies on (model, messages/prompt,
// stream, tools). Everything else is the engine's business and passes through untouched, so
// vLLM extras (chat_template_kwargs, structured_outputs, top_k, priority, ...) keep working.
import { GatewayError } from './errors.js';

/** chat and completions are OpenAI's; tokenize is vLLM's `/tokenize` (prompt or messages). */
export type Endpoint = 'chat' | 'completions' | 'tokenize';

export interface ValidatedRequest {
  model: string;
  stream: boolean;
  /** Present for chat requests that carry tools. */
  tools: unknown[] | null;
}

const invalid = (message: string, param: string, code = 'invalid_type') => new GatewayError(400, message, { param, code });

export function validateRequest(endpoint: Endpoint, body: Record<string, unknown>): ValidatedRequest {
  const { model } = body;
  if (model === undefined || model === null || model === '') {
    throw invalid('You must provide a model parameter.', 'model', 'missing_required_parameter');
  }
  if (typeof model !== 'string') throw invalid(`'model' must be a string.`, 'model');

  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid(`'stream' must be a boolean.`, 'stream');
  }
  if (body.stream_options !== undefined && body.stream_options !== null && (typeof body.stream_options !== 'object' || Array.isArray(body.stream_options))) {
    throw invalid(`'stream_options' must be an object.`, 'stream_options');
  }

  if (endpoint === 'chat') {
    const { messages } = body;
    if (messages === undefined) throw invalid(`'messages' is a required property.`, 'messages', 'missing_required_parameter');
    if (!Array.isArray(messages)) throw invalid(`'messages' must be an array of message objects.`, 'messages');
    if (messages.length === 0) throw invalid(`'messages' must contain at least one message.`, 'messages', 'invalid_value');
    messages.forEach((m, i) => {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(`'messages[${i}]' must be an object.`, `messages[${i}]`);
      const role = (m as Record<string, unknown>).role;
      if (typeof role !== 'string') throw invalid(`'messages[${i}].role' must be a string.`, `messages[${i}].role`);
    });
  } else if (endpoint === 'tokenize') {
    if (body.messages === undefined && body.prompt === undefined) {
      throw invalid(`'/tokenize' needs 'prompt' or 'messages'.`, 'prompt', 'missing_required_parameter');
    }
    if (body.messages !== undefined && !Array.isArray(body.messages)) throw invalid(`'messages' must be an array of message objects.`, 'messages');
  } else {
    const { prompt } = body;
    if (prompt === undefined) throw invalid(`'prompt' is a required property.`, 'prompt', 'missing_required_parameter');
    if (typeof prompt !== 'string' && !Array.isArray(prompt)) throw invalid(`'prompt' must be a string or an array.`, 'prompt');
  }

  let tools: unknown[] | null = null;
  if (body.tools !== undefined && body.tools !== null) {
    if (endpoint === 'completions') throw invalid(`'tools' is only supported on /v1/chat/completions.`, 'tools', 'invalid_value');
    if (!Array.isArray(body.tools)) throw invalid(`'tools' must be an array.`, 'tools');
    tools = body.tools.length > 0 ? body.tools : null;
  }
  return { model, stream: body.stream === true, tools };
}
