// Request shapes vLLM 0.33 refuses are refused by the gateway, with a 400 in OpenAI's error shape,
// before any upstream is used; shapes vLLM accepts (even ones OpenAI would not) pass through.
// Expected verdicts follow vLLM's sources (chat_completion/protocol.py, renderers/chat_utils/
// types.py and chat_message.py, sampling_params.py) and pydantic 2's lax coercion; they were
// cross-checked case by case against those pydantic models during development.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRequest } from '../../src/api/validate-request.js';
import { GatewayError } from '../../src/api/errors.js';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const user = { role: 'user', content: 'hi' };
const fnTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
const chat = (extra: Record<string, unknown>) => ({ model: MODEL, messages: [user], ...extra });
const history = (...messages: unknown[]) => ({ model: MODEL, messages: [user, ...messages] });

/** [name, body, param of the 400] — each one vLLM answers 400 to. */
const REFUSED: Array<[string, Record<string, unknown>, string]> = [
  [
    'assistant tool_calls as a string (the probe)',
    history({ role: 'assistant', content: null, tool_calls: 'x' }),
    'messages[1].tool_calls',
  ],
  ['assistant tool_calls as a number', history({ role: 'assistant', tool_calls: 5 }), 'messages[1].tool_calls'],
  [
    'assistant tool_calls as a non-empty object',
    history({ role: 'assistant', tool_calls: { a: 1 } }),
    'messages[1].tool_calls',
  ],
  ['a tool call that is not an object', history({ role: 'assistant', tool_calls: ['x'] }), 'messages[1].tool_calls[0]'],
  [
    'a tool call without id',
    history({ role: 'assistant', tool_calls: [{ type: 'function', function: call.function }] }),
    'messages[1].tool_calls[0].id',
  ],
  [
    'a tool call of type custom',
    history({ role: 'assistant', tool_calls: [{ ...call, type: 'custom' }] }),
    'messages[1].tool_calls[0].type',
  ],
  [
    'a tool call without a function name',
    history({ role: 'assistant', tool_calls: [{ ...call, function: { arguments: '{}' } }] }),
    'messages[1].tool_calls[0].function.name',
  ],
  ['a message that is a string', history('hello'), 'messages[1]'],
  ['a message without role', history({ content: 'x' }), 'messages[1].role'],
  ['a numeric role', history({ role: 5, content: 'x' }), 'messages[1].role'],
  ['numeric content', history({ role: 'user', content: 5 }), 'messages[1].content'],
  ['null content on a user message', history({ role: 'user', content: null }), 'messages[1].content'],
  [
    'null content on a tool message',
    history({ role: 'tool', content: null, tool_call_id: 'call_1' }),
    'messages[1].content',
  ],
  [
    'null content and null tool_calls on an assistant message',
    history({ role: 'assistant', content: null, tool_calls: null }),
    'messages[1].content',
  ],
  ['a numeric content part', history({ role: 'user', content: [5] }), 'messages[1].content[0]'],
  ['a content part without type', history({ role: 'user', content: [{ foo: 1 }] }), 'messages[1].content[0].type'],
  [
    'a content part with a numeric type',
    history({ role: 'user', content: [{ type: 5 }] }),
    'messages[1].content[0].type',
  ],
  [
    'an unsupported content part type',
    history({ role: 'user', content: [{ type: 'bogus' }] }),
    'messages[1].content[0].type',
  ],
  [
    'a text part with numeric text',
    history({ role: 'user', content: [{ type: 'text', text: 5 }] }),
    'messages[1].content[0].text',
  ],
  ['a numeric name', history({ role: 'user', content: 'x', name: 5 }), 'messages[1].name'],
  ['a numeric tool_call_id', history({ role: 'tool', content: 'x', tool_call_id: 5 }), 'messages[1].tool_call_id'],
  ['tools as a string', chat({ tools: 'x' }), 'tools'],
  ['an empty tools array', chat({ tools: [] }), 'tools'],
  ['a tool that is a number', chat({ tools: [5] }), 'tools[0]'],
  ['a tool without function', chat({ tools: [{ type: 'function' }] }), 'tools[0].function'],
  ['a tool of another type', chat({ tools: [{ type: 'fn', function: { name: 'f' } }] }), 'tools[0].type'],
  [
    'tool parameters as an array',
    chat({ tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }),
    'tools[0].function.parameters',
  ],
  [
    'a numeric tool description',
    chat({ tools: [{ type: 'function', function: { name: 'f', description: 5 } }] }),
    'tools[0].function.description',
  ],
  ['tool_choice without tools', chat({ tool_choice: 'auto' }), 'tool_choice'],
  ['an unknown tool_choice', chat({ tools: [fnTool], tool_choice: 'maybe' }), 'tool_choice'],
  [
    'a named tool_choice without function',
    chat({ tools: [fnTool], tool_choice: { type: 'function' } }),
    'tool_choice.function',
  ],
  [
    'a named tool_choice naming no tool',
    chat({ tools: [fnTool], tool_choice: { type: 'function', function: { name: 'nope' } } }),
    'tool_choice',
  ],
  ['n as a word', chat({ n: 'two' }), 'n'],
  ['n of 0', chat({ n: 0 }), 'n'],
  ['max_tokens of 5.5', chat({ max_tokens: 5.5 }), 'max_tokens'],
  ['max_tokens of 0', chat({ max_tokens: 0 }), 'max_tokens'],
  ['max_tokens as an array', chat({ max_tokens: [5] }), 'max_tokens'],
  ['max_completion_tokens of -1', chat({ max_completion_tokens: -1 }), 'max_completion_tokens'],
  ['temperature as a word', chat({ temperature: 'hot' }), 'temperature'],
  ['temperature of 9', chat({ temperature: 9 }), 'temperature'],
  ['top_p of 0', chat({ top_p: 0 }), 'top_p'],
  ['presence_penalty of 3', chat({ presence_penalty: 3 }), 'presence_penalty'],
  ['stop as a number', chat({ stop: 5 }), 'stop'],
  ['an empty stop string', chat({ stop: [''] }), 'stop[0]'],
  ['a numeric user', chat({ user: 5 }), 'user'],
  ['seed beyond 64 bits', chat({ seed: 1e30 }), 'seed'],
  ['stream_options without stream', chat({ stream_options: { include_usage: true } }), 'stream_options'],
  ['top_logprobs without logprobs', chat({ top_logprobs: 2 }), 'top_logprobs'],
  ['top_logprobs as a string', chat({ logprobs: true, top_logprobs: '2' }), 'top_logprobs'],
  ['response_format of an unknown type', chat({ response_format: { type: 'xml' } }), 'response_format.type'],
  ['chat_template_kwargs that is not an object', chat({ chat_template_kwargs: 0.5 }), 'chat_template_kwargs'],
  [
    'response_format json_schema without its schema',
    chat({ response_format: { type: 'json_schema' } }),
    'response_format.json_schema',
  ],
];

/** Shapes vLLM 0.33 accepts, though some are odd: the gateway must not refuse them. */
const ACCEPTED: Array<[string, Record<string, unknown>]> = [
  ['a custom role', history({ role: 'critic', content: 'x' })],
  [
    'a tool message without tool_call_id',
    history({ role: 'assistant', tool_calls: [call] }, { role: 'tool', content: '18C' }),
  ],
  ['a message without content', history({ role: 'assistant' })],
  ['assistant content null with tool calls', history({ role: 'assistant', content: null, tool_calls: [call] })],
  ['tool_calls as an empty string (list("") is empty)', history({ role: 'assistant', content: 'ok', tool_calls: '' })],
  [
    'tool call arguments as an object (history repair encodes them)',
    history({
      role: 'assistant',
      tool_calls: [{ ...call, function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
    }),
  ],
  ['content parts as strings and text parts', history({ role: 'user', content: ['a', { type: 'text', text: 'b' }] })],
  ['an image part', history({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] })],
  ['numeric strings where vLLM takes numbers', chat({ max_tokens: '5', n: '1', temperature: '0.5', top_p: ' 1 ' })],
  ['integral floats and booleans for integers', chat({ max_tokens: 5.0, logprobs: 'yes', top_logprobs: 1 })],
  [
    'null for optional fields',
    chat({ max_tokens: null, temperature: null, stop: null, tools: null, tool_choice: null, user: null }),
  ],
  ['tool_choice none without tools', chat({ tool_choice: 'none' })],
  [
    'a named tool_choice',
    chat({ tools: [fnTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } }),
  ],
  [
    'vLLM extras',
    chat({
      chat_template_kwargs: { enable_thinking: false },
      top_k: 20,
      priority: 0,
      cache_salt: 'x',
      structured_outputs: { regex: 'a+' },
    }),
  ],
];

function verdict(body: Record<string, unknown>): 'ok' | { status: number; param: string | null; code: string | null } {
  try {
    validateRequest('chat', structuredClone(body));
    return 'ok';
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return { status: err.status, param: err.param, code: err.code };
  }
}

describe('request shapes (unit)', () => {
  it.each(REFUSED)('refuses %s', (_name, body, param) => {
    const v = verdict(body);
    expect(v).not.toBe('ok');
    expect(v).toMatchObject({ status: 400, param });
  });

  it.each(ACCEPTED)('accepts %s', (_name, body) => {
    expect(verdict(body)).toBe('ok');
  });
});

describe('request shapes (through the gateway)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 2, profile: { kind: 'fixed', ttftMs: 1, itlMs: 1 } }]);
  });
  afterAll(async () => stack?.close());

  const routeDecisions = async (): Promise<number> => {
    const text = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    return [...text.matchAll(/^toolgate_route_decisions_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  };
  const post = (body: unknown) =>
    fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers each refused shape with an OpenAI-shaped 400 and never routes it', async () => {
    const before = await routeDecisions();
    const servedBefore = stack.sims[0]!.pods.reduce((s, p) => s + p.stats().requests, 0); // start-up probes
    for (const [name, body, param] of REFUSED) {
      const res = await post(body);
      const json = (await res.json()) as {
        error: { message: string; type: string; param: string | null; code: string | null };
      };
      expect(res.status, name).toBe(400);
      expect(json.error.type, name).toBe('invalid_request_error');
      expect(json.error.param, name).toBe(param);
      expect(typeof json.error.message).toBe('string');
      expect(json.error).toHaveProperty('code');
    }
    expect(await routeDecisions()).toBe(before);
    const served = stack.sims[0]!.pods.reduce((s, p) => s + p.stats().requests, 0);
    expect(served).toBe(servedBefore);
  });

  it('routes each accepted shape upstream', async () => {
    for (const [name, body] of ACCEPTED) {
      const before = await routeDecisions();
      const res = await post(body);
      await res.arrayBuffer();
      expect(
        res.status === 400 && res.headers.get('x-toolgate-backend') === null,
        `${name}: refused by the gateway`,
      ).toBe(false);
      expect(await routeDecisions(), name).toBeGreaterThan(before);
    }
  });
});
