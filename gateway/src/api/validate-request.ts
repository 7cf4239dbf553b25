// Shape checks of OpenAI requests, before any upstream is used: what vLLM 0.33 would answer 400
// to is a 400 here (messages, tools/tool_choice, sampling fields: request-shape/*), so a client's
// malformed request never reaches, fails on, or counts against a pod. What vLLM accepts passes,
// and fields not checked pass through untouched, so vLLM extras (chat_template_kwargs,
// structured_outputs, top_k, priority, ...) keep working.
import { GatewayError } from './errors.js';
import { validateMessages } from './request-shape/messages.js';
import { validateSampling } from './request-shape/sampling.js';
import { validateTools } from './request-shape/tools.js';

/** chat and completions are OpenAI's; tokenize is vLLM's `/tokenize` (prompt or messages). */
export type Endpoint = 'chat' | 'completions' | 'tokenize';

export interface ValidatedRequest {
  model: string;
  stream: boolean;
  /** Present for chat requests that carry tools. */
  tools: unknown[] | null;
}

const invalid = (message: string, param: string, code = 'invalid_type') =>
  new GatewayError(400, message, { param, code });

export function validateRequest(endpoint: Endpoint, body: Record<string, unknown>): ValidatedRequest {
  const { model } = body;
  if (model === undefined || model === null || model === '') {
    throw invalid('You must provide a model parameter.', 'model', 'missing_required_parameter');
  }
  if (typeof model !== 'string') throw invalid(`'model' must be a string.`, 'model');

  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid(`'stream' must be a boolean.`, 'stream');
  }

  if (endpoint === 'chat') {
    const { messages } = body;
    if (messages === undefined)
      throw invalid(`'messages' is a required property.`, 'messages', 'missing_required_parameter');
    if (!Array.isArray(messages)) throw invalid(`'messages' must be an array of message objects.`, 'messages');
    if (messages.length === 0)
      throw invalid(`'messages' must contain at least one message.`, 'messages', 'invalid_value');
    validateMessages(messages);
  } else if (endpoint === 'tokenize') {
    if (body.messages === undefined && body.prompt === undefined) {
      throw invalid(`'/tokenize' needs 'prompt' or 'messages'.`, 'prompt', 'missing_required_parameter');
    }
    if (body.messages !== undefined && !Array.isArray(body.messages))
      throw invalid(`'messages' must be an array of message objects.`, 'messages');
  } else {
    const { prompt } = body;
    if (prompt === undefined) throw invalid(`'prompt' is a required property.`, 'prompt', 'missing_required_parameter');
    if (typeof prompt !== 'string' && !Array.isArray(prompt))
      throw invalid(`'prompt' must be a string or an array.`, 'prompt');
  }

  let tools: unknown[] | null = null;
  if (endpoint === 'completions' && body.tools !== undefined && body.tools !== null) {
    throw invalid(`'tools' is only supported on /v1/chat/completions.`, 'tools', 'invalid_value');
  }
  if (endpoint === 'chat') tools = validateTools(body);
  else if (endpoint === 'tokenize' && body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalid(`'tools' must be an array.`, 'tools');
    tools = body.tools.length > 0 ? body.tools : null;
  }
  if (endpoint !== 'tokenize') validateSampling(endpoint, body);
  return { model, stream: body.stream === true, tools };
}
