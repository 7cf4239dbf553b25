// Tool-call policies, headers, schema admission and history repair, end to end through the
// gateway and the `openai` SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { sseData, startStack, type Stack } from '../helpers/stack.js';
import { assembleStream, wholeMessage } from '../helpers/messages.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer' } },
        required: ['city'],
      },
    },
  },
];
const malformed = "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Paris', 'days': '3',}}\n</tool_call>";
const invalid = '<tool_call>\n{"name": "get_weather", "arguments": {"days": 3}}\n</tool_call>';

describe('tool-call policies', () => {
  let stack: Stack;
  let client: OpenAI;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } }]);
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => stack?.close());

  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'weather?' }], tools, ...body }),
    });

  it('the SDK receives well-formed tool_calls from a malformed output (repair, default)', async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'weather in Paris for 3 days' }],
      tools,
      // @ts-expect-error vLLM/simulator extra field passes through the gateway
      sim_script: { raw: malformed, parser: 'hermes' },
    });
    const msg = r.choices[0]!.message;
    expect(msg.content).toBeNull();
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    const call = msg.tool_calls![0]!;
    expect(call.type).toBe('function');
    expect('function' in call && call.function.name).toBe('get_weather');
    expect(JSON.parse('function' in call ? call.function.arguments : '')).toEqual({ city: 'Paris', days: 3 });
    const raw = r as unknown as { toolgate: { tool_calls: { outcome: string; repairs: string[] } } };
    expect(raw.toolgate.tool_calls.outcome).toBe('repaired');
    expect(raw.toolgate.tool_calls.repairs).toContain('coerce_integer');
  });

  it('x-toolgate-toolcalls tells the outcome', async () => {
    const ok = await post({
      sim_script: {
        raw: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>',
        parser: 'none',
      },
    });
    expect(ok.headers.get('x-toolgate-toolcalls')).toBe('valid');
    const none = await post({ sim_script: { raw: 'It is sunny.', parser: 'none' } });
    expect(none.headers.get('x-toolgate-toolcalls')).toBe('none');
    expect(
      ((await none.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
    ).toBe('It is sunny.');
  });

  it('off: the upstream answer passes untouched', async () => {
    const res = await post({ sim_script: { raw: malformed, parser: 'none' } }, { 'x-toolgate-policy': 'off' });
    expect(res.headers.get('x-toolgate-toolcalls')).toBeNull();
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; toolgate?: unknown };
    expect(body.choices[0]!.message.content).toBe(malformed);
    expect(body.toolgate).toBeUndefined();
  });

  it('annotate: the verdict is reported, the answer unchanged', async () => {
    const res = await post({ sim_script: { raw: malformed, parser: 'none' } }, { 'x-toolgate-policy': 'annotate' });
    expect(res.headers.get('x-toolgate-toolcalls')).toBe('repaired');
    const body = (await res.json()) as {
      choices: Array<{ message: { content: string } }>;
      toolgate: { tool_calls: { outcome: string } };
    };
    expect(body.choices[0]!.message.content).toBe(malformed);
    expect(body.toolgate.tool_calls.outcome).toBe('repaired');
  });

  it('repair: an invalid call is never passed off as valid: the client gets the model text and the verdict', async () => {
    for (const stream of [false, true]) {
      const res = await post(
        { stream, sim_script: { raw: invalid, parser: 'none' } },
        { 'x-toolgate-policy': 'repair' },
      );
      expect(res.status).toBe(200);
      const msg = stream ? assembleStream(await res.text()) : wholeMessage(await res.json());
      expect(msg.toolCalls).toEqual([]);
      // What vLLM alone would have returned: the model's text, here the call it wrote.
      expect(msg.content).toBe(invalid);
      expect(msg.finishReason).toBe('stop');
      expect(msg.annotation.outcome).toBe('invalid');
      if (!stream) expect(res.headers.get('x-toolgate-toolcalls')).toBe('invalid');
      const e = msg.annotation.errors[0]!;
      expect(e.tool).toBe('get_weather');
      expect(`${e.pointer} ${e.message}`).toMatch(/city/);
    }
  });

  it('reject: an invalid call is an HTTP 422 invalid_tool_call error, streamed or not', async () => {
    for (const stream of [false, true]) {
      const res = await post(
        { stream, sim_script: { raw: invalid, parser: 'none' } },
        { 'x-toolgate-policy': 'reject' },
      );
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { error: { code: string; message: string; type: string } };
      expect(body.error.code).toBe('invalid_tool_call');
      expect(body.error.message).toMatch(/city/);
    }
    // reject lets valid calls through
    const ok = await post({ sim_script: { raw: malformed, parser: 'none' } }, { 'x-toolgate-policy': 'reject' });
    expect(ok.status).toBe(200);
  });

  it('retry: re-asks a bounded number of times and says so', async () => {
    const before = stack.sims[0]!.pods[0]!.stats().requests;
    // The scripted model keeps answering without the required argument and with an unknown tool name.
    const res = await post(
      {
        sim_script: { raw: '<tool_call>\n{"name": "nonexistent_tool", "arguments": {}}\n</tool_call>', parser: 'none' },
        tools: [...tools, { type: 'function', function: { name: 'get_time' } }],
      },
      { 'x-toolgate-policy': 'retry' },
    );
    expect(res.headers.get('x-toolgate-toolcalls')).toBe('invalid');
    const body = (await res.json()) as { toolgate: { tool_calls: { retries: number } } };
    expect(body.toolgate.tool_calls.retries).toBe(stack.cfg.toolcalls.retry.maxAttempts);
    expect(stack.sims[0]!.pods[0]!.stats().requests - before).toBe(1 + stack.cfg.toolcalls.retry.maxAttempts);
  });

  it('retry: a known function is re-asked under structured outputs and comes back repaired', async () => {
    const before = stack.sims[0]!.pods[0]!.stats().requests;
    for (const stream of [false, true]) {
      const res = await post(
        {
          stream,
          messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
          sim_script: { raw: invalid, parser: 'none' },
        },
        { 'x-toolgate-policy': 'retry' },
      );
      expect(res.status).toBe(200);
      let calls: Array<{ name: string; args: Record<string, unknown> }>;
      let annotation: { outcome: string; retries: number };
      if (stream) {
        const events = sseData(await res.text()) as Array<{
          choices?: Array<{ delta?: { tool_calls?: Array<{ function: { name: string; arguments: string } }> } }>;
          toolgate?: { tool_calls: { outcome: string; retries: number } };
        }>;
        calls = events
          .flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? [])
          .map((t) => ({ name: t.function.name, args: JSON.parse(t.function.arguments) as Record<string, unknown> }));
        annotation = events.find((e) => e.toolgate)!.toolgate!.tool_calls;
      } else {
        expect(res.headers.get('x-toolgate-toolcalls')).toBe('repaired');
        const body = (await res.json()) as {
          choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }>;
          toolgate: { tool_calls: { outcome: string; retries: number } };
        };
        calls = body.choices[0]!.message.tool_calls.map((t) => ({
          name: t.function.name,
          args: JSON.parse(t.function.arguments) as Record<string, unknown>,
        }));
        annotation = body.toolgate.tool_calls;
      }
      expect(annotation.outcome).toBe('repaired');
      expect(annotation.retries).toBe(1);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.name).toBe('get_weather');
      expect(typeof calls[0]!.args.city).toBe('string');
    }
    expect(stack.sims[0]!.pods[0]!.stats().requests - before).toBe(4);
  });

  it('repair streams each complete valid call at once; reject holds the response until its first valid call', async () => {
    const call = (city: string) =>
      `<tool_call>\n{"name": "get_weather", "arguments": {"city": "${city}"}}\n</tool_call>`;
    const raw = `${call('Oslo')}\nLet me also check another city for you right away.\n${call('Rome')}`;
    type Ev = {
      choices?: Array<{
        delta?: {
          content?: string;
          tool_calls?: Array<{ index: number; function: { name?: string; arguments?: string } }>;
        };
      }>;
    };
    const order = async (policy: string) => {
      const events = sseData(
        await (
          await post({ stream: true, sim_script: { raw, parser: 'none' } }, { 'x-toolgate-policy': policy })
        ).text(),
      ) as Ev[];
      const firstCall = events.findIndex((e) => (e.choices?.[0]?.delta?.tool_calls ?? []).length > 0);
      const text = events.findIndex((e) => (e.choices?.[0]?.delta?.content ?? '').includes('another'));
      const calls = events
        .flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? [])
        .map((t) => [t.index, JSON.parse(t.function.arguments ?? '{}')]);
      return { firstCall, text, calls };
    };
    const repair = await order('repair');
    expect(repair.calls).toEqual([
      [0, { city: 'Oslo' }],
      [1, { city: 'Rome' }],
    ]);
    expect(repair.firstCall).toBeLessThan(repair.text);
    // vLLM-parsed calls (hermes) take the same path: each index exactly once, in order.
    const parsed = sseData(await (await post({ stream: true, sim_script: { raw, parser: 'hermes' } })).text()) as Ev[];
    const byIndex = new Map<number, string>();
    for (const t of parsed.flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? []))
      byIndex.set(t.index, (byIndex.get(t.index) ?? '') + (t.function.arguments ?? ''));
    expect([...byIndex.entries()].map(([i, a]) => [i, JSON.parse(a)])).toEqual([
      [0, { city: 'Oslo' }],
      [1, { city: 'Rome' }],
    ]);
    const reject = await order('reject');
    expect(reject.calls).toEqual([
      [0, { city: 'Oslo' }],
      [1, { city: 'Rome' }],
    ]);
    expect(reject.firstCall).toBeLessThan(reject.text);
    // Text before the first call is held with the response; it arrives before that call's deltas.
    const before = sseData(
      await (
        await post(
          { stream: true, sim_script: { raw: `Checking.\n${call('Oslo')}`, parser: 'none' } },
          { 'x-toolgate-policy': 'reject' },
        )
      ).text(),
    ) as Ev[];
    const textAt = before.findIndex((e) => (e.choices?.[0]?.delta?.content ?? '').includes('Checking'));
    const callAt = before.findIndex((e) => (e.choices?.[0]?.delta?.tool_calls ?? []).length > 0);
    expect(textAt).toBeGreaterThanOrEqual(0);
    expect(textAt).toBeLessThan(callAt);
  });

  it('an unknown x-toolgate-policy is a 400', async () => {
    const res = await post({}, { 'x-toolgate-policy': 'fix-it-please' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_policy');
  });

  it('an invalid JSON Schema in tools is a 400 naming the tool', async () => {
    const res = await post({
      tools: [
        {
          type: 'function',
          function: { name: 'broken', parameters: { type: 'object', properties: { a: { type: 'strin' } } } },
        },
      ],
    });
    expect(res.status).toBe(400);
    const e = ((await res.json()) as { error: { code: string; message: string; param: string } }).error;
    expect(e.code).toBe('invalid_tool_schema');
    expect(e.message).toContain('broken');
  });

  it('a pattern RE2 cannot express is refused; a backtracking shape is admitted (it runs on RE2)', async () => {
    const res = await post({
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookahead',
            parameters: { type: 'object', properties: { a: { type: 'string', pattern: '^(?=a)a+$' } } },
          },
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('lookahead');
    const ok = await post({
      tools: [
        {
          type: 'function',
          function: {
            name: 'redos',
            parameters: { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } },
          },
        },
      ],
    });
    expect(ok.status).toBe(200);
  });

  it('repairs malformed tool-call arguments in the incoming history', async () => {
    const before = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    const count = (t: string) => Number(/^toolgate_history_repairs_total (\S+)$/m.exec(t)?.[1] ?? 0);
    const res = await post({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: "{'city': 'Paris'" } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
      sim_script: { raw: 'It is sunny in Paris.', parser: 'none' },
    });
    expect(res.status).toBe(200);
    const after = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    expect(count(after)).toBe(count(before) + 1);
  });
});
