// Bad input: each case gets an OpenAI-shaped error with the right status, and the gateway lives on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

interface ErrorShape {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function expectOpenAIError(body: unknown): ErrorShape['error'] {
  const e = (body as ErrorShape).error;
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  expect(typeof e.type).toBe('string');
  expect(e).toHaveProperty('param');
  expect(e).toHaveProperty('code');
  return e;
}

describe('bad input', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 1, itlMs: 1 } }], {
      server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 4096 },
    });
  });
  afterAll(async () => stack?.close());

  const send = (path: string, body: string, method = 'POST') =>
    fetch(`${stack.gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : body,
    });

  it.each([
    ['body that is not JSON', '{"model": "x", ', 400, 'invalid_json'],
    ['a JSON array body', '[1,2]', 400, 'invalid_json'],
    ['messages not an array', JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: 'hi' }), 400, 'invalid_type'],
    [
      'missing model',
      JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      400,
      'missing_required_parameter',
    ],
    [
      'unknown model',
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
      404,
      'model_not_found',
    ],
    [
      'body over the limit',
      JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }),
      413,
      'request_too_large',
    ],
  ])('%s', async (_name, body, status, code) => {
    const res = await send('/v1/chat/completions', body);
    expect(res.status).toBe(status);
    const e = expectOpenAIError(await res.json());
    expect(e.code).toBe(code);
  });

  it('unknown path → 404', async () => {
    const res = await send('/v1/nope', '{}');
    expect(res.status).toBe(404);
    expect(expectOpenAIError(await res.json()).code).toBe('not_found');
  });

  it('still serves after all of that', async () => {
    const res = await send(
      '/v1/chat/completions',
      JSON.stringify({ model: 'Qwen/Qwen3-0.6B', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(res.status).toBe(200);
  });
});
