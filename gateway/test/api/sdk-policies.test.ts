// What a client that reads no custom header learns, through the real `openai` SDK, streamed and
// whole: a refused answer is the SDK's 422 error class (streams too, because the reject policy
// holds the response until its verdict), an unrecoverable call under the default policy comes
// back as the model's text (never an empty message), and a call the retry policy fixes streams
// as ordinary tool_call deltas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { UnprocessableEntityError } from 'openai';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const tool = (name: string) => ({
  type: 'function' as const,
  function: {
    name,
    description: `${name} for a city`,
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
});
const tools = [tool('get_weather'), tool('get_time')];
const truncated = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Par';
const unknownTool = '<tool_call>\n{"name": "book_flight", "arguments": {"to": "Paris"}}\n</tool_call>';
const missingArg = '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>';

describe('policies as the openai SDK sees them', () => {
  let stack: Stack;
  let client: OpenAI;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } }]);
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => stack?.close());

  const ask = (raw: string, policy?: string) => ({
    body: {
      model: MODEL,
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools,
      sim_script: { raw, parser: 'none' },
    },
    options: policy ? { headers: { 'x-toolgate-policy': policy } } : {},
  });

  it('reject: a streamed truncated call raises UnprocessableEntityError (422), as the whole answer does', async () => {
    const { body, options } = ask(truncated, 'reject');
    const whole = await client.chat.completions.create(body as never, options).catch((e: unknown) => e);
    expect(whole).toBeInstanceOf(UnprocessableEntityError);
    const streamed = await (async () => {
      const stream = await client.chat.completions.create({ ...body, stream: true } as never, options);
      for await (const _ of stream as unknown as AsyncIterable<unknown>) {
        /* never reached: the response itself is the 422 */
      }
      return null;
    })().catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(UnprocessableEntityError);
    expect((streamed as UnprocessableEntityError).status).toBe(422);
    expect((streamed as UnprocessableEntityError).code).toBe('invalid_tool_call');
  });

  it('default policy: an unrecoverable call comes back as the model text, never an empty message', async () => {
    const { body } = ask(unknownTool);
    const whole = await client.chat.completions.create(body as never);
    const msg = whole.choices[0]!.message;
    expect(msg.tool_calls ?? []).toEqual([]);
    expect(msg.content).toBe(unknownTool);
    expect(whole.choices[0]!.finish_reason).toBe('stop');

    const stream = await client.chat.completions.create({ ...body, stream: true } as never);
    let content = '';
    let calls = 0;
    let finish: string | null = null;
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      content += chunk.choices[0]?.delta.content ?? '';
      calls += chunk.choices[0]?.delta.tool_calls?.length ?? 0;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls).toBe(0);
    expect(content).toBe(unknownTool);
    expect(finish).toBe('stop');
  });

  it('default policy: a call the re-ask fixes streams as tool_call deltas', async () => {
    const { body } = ask(missingArg);
    const stream = client.chat.completions.stream({ ...body, stream: true } as never);
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(
      typeof (JSON.parse(call.type === 'function' ? call.function.arguments : '{}') as { city?: unknown }).city,
    ).toBe('string');
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.content ?? '').toBe('');
  });
});
