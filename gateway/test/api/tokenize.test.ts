// vLLM's /tokenize through the gateway: same pool and tokenizer as the model's requests, so load
// tests can size prompts through the gateway; bad input is an OpenAI-shaped 400/404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';

describe('/tokenize through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 1, itlMs: 1 } }]);
  });
  afterAll(async () => stack?.close());

  const post = (base: string, body: unknown) =>
    fetch(`${base}/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers exactly what the backend answers (prompt and messages forms)', async () => {
    for (const body of [
      { model: MODEL, prompt: 'The quick brown fox jumps over the lazy dog.' },
      {
        model: MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello there' },
        ],
      },
    ]) {
      const viaGateway = await post(stack.gateway.url, body);
      expect(viaGateway.status).toBe(200);
      expect(viaGateway.headers.get('x-toolgate-backend')).toBeTruthy();
      const direct = await post(stack.sims[0]!.urls[0]!, body);
      const g = (await viaGateway.json()) as { count: number; tokens: number[] };
      expect(g).toEqual(await direct.json());
      expect(g.count).toBeGreaterThan(5);
    }
  });

  it('does not count as a generation (no TTFT sample)', async () => {
    const count = async () =>
      Number(
        /toolgate_time_to_first_token_seconds_count\{[^}]*\} (\S+)/.exec(
          await (await fetch(`${stack.gateway.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    // One real generation first, so the TTFT series exists and the check below can fail.
    const gen = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await gen.text();
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await (await post(stack.gateway.url, { model: MODEL, prompt: 'x' })).text();
    expect(await count()).toBe(before);
  });

  it('rejects bad input in OpenAI shape', async () => {
    const noPrompt = await post(stack.gateway.url, { model: MODEL });
    expect(noPrompt.status).toBe(400);
    expect(((await noPrompt.json()) as { error: { code: string } }).error.code).toBe('missing_required_parameter');
    const unknown = await post(stack.gateway.url, { model: 'nope', prompt: 'x' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  });
});
