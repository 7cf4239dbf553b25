// The real `openai` SDK against the gateway in front of real simulator pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { APIError } from 'openai';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('openai SDK through the gateway', () => {
  let stack: Stack;
  let client: OpenAI;
  beforeAll(async () => {
    stack = await startStack([{ pods: 2, profile: { kind: 'fixed', ttftMs: 5, itlMs: 1 } }]);
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => stack?.close());

  it('answers a chat completion', async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 8,
    });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(typeof r.choices[0]!.message.content).toBe('string');
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streams a chat completion with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me a story' }],
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).not.toBeNull();
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('returns tool_calls whole and as stream deltas', async () => {
    const whole = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weatherTool],
    });
    const call = whole.choices[0]!.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call && 'function' in call ? call.function.name : null).toBe('get_weather');
    const args = JSON.parse(call && 'function' in call ? call.function.arguments : '{}') as Record<string, unknown>;
    expect(typeof args.city).toBe('string');
    expect(whole.choices[0]!.finish_reason).toBe('tool_calls');

    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weatherTool],
      stream: true,
    });
    const calls = new Map<number, { id?: string; name: string; args: string }>();
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        const cur = calls.get(d.index) ?? { name: '', args: '' };
        if (d.id) cur.id = d.id;
        cur.name += d.function?.name ?? '';
        cur.args += d.function?.arguments ?? '';
        calls.set(d.index, cur);
      }
    }
    expect(calls.size).toBe(1);
    const streamed = calls.get(0)!;
    expect(streamed.id).toBeTruthy();
    expect(streamed.name).toBe('get_weather');
    expect(JSON.parse(streamed.args)).toEqual(args);
  });

  it('lists the models of the upstreams', async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toContain(MODEL);
    expect((page.data[0] as unknown as { max_model_len?: number }).max_model_len).toBeGreaterThan(0);
  });

  it('surfaces errors as APIError with status and message', async () => {
    const err = await client.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(404);
    expect((err as APIError).message).toContain('no-such-model');
    expect((err as APIError).code).toBe('model_not_found');
  });
});
