// The OpenAI-compatible surface of one pod, against real HTTP on loopback and the openai SDK.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../src/sim/index.js';
import { metricValue, postJson, sseEvents, TOOLS } from './helpers.js';

let sim: SimCluster;
let url: string;
const MODEL = 'Qwen/Qwen3-0.6B';

beforeAll(async () => {
  sim = await startSim({
    pods: 2,
    loraAdapters: ['weather-lora'],
    maxModelLen: 4096,
    profile: { decodeBaseMs: 0.5, numGpuBlocks: 4096 },
  });
  url = sim.urls[0]!;
});
afterAll(async () => {
  await sim.close();
});

describe('sim HTTP API', () => {
  it('starts independent pods on distinct ports', () => {
    expect(sim.urls).toHaveLength(2);
    expect(new Set(sim.pods.map((p) => p.port)).size).toBe(2);
    for (const u of sim.urls) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('GET /health is 200 with an empty body; /v1/models lists base and LoRA cards', async () => {
    const h = await fetch(`${url}/health`);
    expect(h.status).toBe(200);
    expect(await h.text()).toBe('');
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data.map((m) => [m.id, m.parent, m.max_model_len, m.owned_by, m.object])).toEqual([
      [MODEL, null, 4096, 'vllm', 'model'],
      ['weather-lora', MODEL, 4096, 'vllm', 'model'],
    ]);
    expect(Array.isArray(models.data[0]!.permission)).toBe(true);
  });

  it('non-stream chat with the openai SDK: shape, tool_calls and usage', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none' });
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: TOOLS,
    });
    expect(res.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe(MODEL);
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const tc = choice.message.tool_calls![0]!;
    expect(tc.type === 'function' && tc.function).toEqual({
      name: 'get_weather',
      arguments: '{"city": "Paris", "days": 1}',
    });
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(50); // the tools are rendered into the prompt
  });

  it('streaming chat: role chunk first, tool-call deltas, finish chunk, usage chunk, [DONE]', async () => {
    const res = await postJson(`${url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: TOOLS,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = sseEvents(await res.text()) as Array<Record<string, any>>;
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1);
    expect(chunks[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.completion_tokens).toBeGreaterThan(5);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0].finish_reason).toBe('tool_calls');
    const deltas = chunks.slice(1, -1).flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    expect(deltas[0].id).toMatch(/^chatcmpl-tool-/);
    expect(deltas.map((d: any) => d.function.arguments ?? '').join('')).toBe('{"city": "Paris", "days": 1}');
    for (const c of chunks) expect(c.object).toBe('chat.completion.chunk');
  });

  it('streaming with the openai SDK reassembles plain content', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none' });
    const stream = await client.chat.completions.create({
      model: 'weather-lora',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
      max_tokens: 7,
      ignore_eos: true,
      chat_template_kwargs: { enable_thinking: false },
    } as never);
    let text = '';
    let finish: string | null = null;
    for await (const c of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      expect(c.model).toBe('weather-lora');
    }
    expect(finish).toBe('length');
    expect(text.length).toBeGreaterThan(0);
  });

  it('completions: ignore_eos + max_tokens gives exactly that many tokens, stream and not', async () => {
    const body = { model: MODEL, prompt: 'Once upon a time', max_tokens: 33, ignore_eos: true };
    const r = (await (await postJson(`${url}/v1/completions`, body)).json()) as any;
    expect(r.id).toMatch(/^cmpl-/);
    expect(r.object).toBe('text_completion');
    expect(r.usage.completion_tokens).toBe(33);
    expect(r.choices[0].finish_reason).toBe('length');
    const events = sseEvents(
      await (
        await postJson(`${url}/v1/completions`, { ...body, stream: true, stream_options: { include_usage: true } })
      ).text(),
    ) as any[];
    const textChunks = events.filter((e) => e !== '[DONE]' && e.choices.length > 0);
    expect(textChunks).toHaveLength(33);
    expect(textChunks.map((c) => c.choices[0].text).join('')).toBe(r.choices[0].text);
    expect(events.at(-2).usage.completion_tokens).toBe(33);
  });

  it('max_tokens truncates with finish_reason length; min_tokens pads', async () => {
    const r = (await (
      await postJson(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 })
    ).json()) as any;
    expect(r.usage.completion_tokens).toBe(3);
    expect(r.choices[0].finish_reason).toBe('length');
    const m = (await (
      await postJson(`${url}/v1/chat/completions`, {
        messages: [{ role: 'user', content: 'hi' }],
        min_tokens: 200,
        max_tokens: 300,
      })
    ).json()) as any;
    // 200 text tokens, then the stop token (it may not come sooner), which counts as output.
    expect(m.usage.completion_tokens).toBe(201);
    expect(m.choices[0].finish_reason).toBe('stop');
  });

  it('accepts vLLM extras and tool_choice required/named', async () => {
    const base = {
      messages: [{ role: 'user', content: 'Weather in Oslo' }],
      tools: TOOLS,
      chat_template_kwargs: { enable_thinking: false },
      top_k: 20,
      priority: 0,
      cache_salt: 'x',
      structured_outputs: null,
    };
    const req = (await (
      await postJson(`${url}/v1/chat/completions`, { ...base, tool_choice: 'required' })
    ).json()) as any;
    expect(req.choices[0].message.tool_calls[0].function).toEqual({
      name: 'get_weather',
      arguments: '{"city": "Oslo", "days": 1}',
    });
    expect(req.choices[0].message.content).toBe('');
    const named = (await (
      await postJson(`${url}/v1/chat/completions`, {
        ...base,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      })
    ).json()) as any;
    expect(named.choices[0].message.tool_calls[0].function).toEqual({
      name: 'get_weather',
      arguments: '{"city": "Oslo", "days": 1}',
    });
  });

  it('POST /tokenize counts prompts and rendered messages', async () => {
    const t = (await (
      await postJson(`${url}/tokenize`, { model: MODEL, prompt: 'Hello world, hello!' })
    ).json()) as any;
    expect(t).toMatchObject({ count: 5, max_model_len: 4096 }); // Hello| world|,| hello|!
    expect(t.tokens).toHaveLength(5);
    const m = (await (
      await postJson(`${url}/tokenize`, { messages: [{ role: 'user', content: 'Hello' }] })
    ).json()) as any;
    expect(m.count).toBeGreaterThan(5);
    // Same rendered prompt as chat → same prompt_tokens.
    const c = (await (
      await postJson(`${url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1 })
    ).json()) as any;
    expect(c.usage.prompt_tokens).toBe(m.count);
  });

  it('GET /metrics exposes vLLM names with model_name/engine labels and counters move', async () => {
    const before = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_hits_total',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:inter_token_latency_seconds_bucket',
      'vllm:e2e_request_latency_seconds_bucket',
      'vllm:request_queue_time_seconds_bucket',
      'vllm:request_success_total',
    ]) {
      expect(before, name).toContain(`${name}{`);
    }
    expect(before).toContain(`vllm:num_requests_running{model_name="${MODEL}",engine="0"}`);
    expect(before).toContain('vllm:time_to_first_token_seconds_bucket{le="2560"');
    await postJson(`${url}/v1/completions`, { prompt: 'count me', max_tokens: 4, ignore_eos: true }).then((r) =>
      r.json(),
    );
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(
      metricValue(after, 'vllm:generation_tokens_total') - metricValue(before, 'vllm:generation_tokens_total'),
    ).toBe(4);
    expect(metricValue(after, 'vllm:request_success_total') - metricValue(before, 'vllm:request_success_total')).toBe(
      1,
    );
    expect(
      metricValue(after, 'vllm:time_to_first_token_seconds_count') -
        metricValue(before, 'vllm:time_to_first_token_seconds_count'),
    ).toBe(1);
    // The other pod has its own registry.
    const other = await (await fetch(`${sim.urls[1]}/metrics`)).text();
    expect(metricValue(other, 'vllm:generation_tokens_total')).toBe(0);
  });
});

describe('bad input gets vLLM-shaped errors', () => {
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['invalid JSON', '{"messages": [', 400, /Invalid JSON/],
    ['missing messages', { model: MODEL }, 400, /messages/],
    ['messages not a list', { messages: 'hi' }, 400, /messages/],
    ['bad max_tokens', { messages: [{ role: 'user', content: 'x' }], max_tokens: 'ten' }, 400, /max_tokens/],
    ['n > 1', { messages: [{ role: 'user', content: 'x' }], n: 2 }, 400, /n > 1/],
    [
      'stream_options without stream',
      { messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } },
      400,
      /stream=True/,
    ],
    [
      'unknown named tool',
      {
        messages: [{ role: 'user', content: 'x' }],
        tools: TOOLS,
        tool_choice: { type: 'function', function: { name: 'nope' } },
      },
      400,
      /has not been passed/,
    ],
    [
      'prompt too long',
      { messages: [{ role: 'user', content: 'word '.repeat(5000) }] },
      400,
      /maximum context length is 4096/,
    ],
    ['max_tokens too large', { messages: [{ role: 'user', content: 'x' }], max_tokens: 5000 }, 400, /too large: 5000/],
    [
      'unknown model',
      { model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] },
      404,
      /The model `gpt-4` does not exist\./,
    ],
  ];
  for (const [name, body, status, message] of cases) {
    it(name, async () => {
      const res = await postJson(`${url}/v1/chat/completions`, body);
      expect(res.status).toBe(status);
      const err = (await res.json()) as {
        error: { message: string; type: string; param: string | null; code: number };
      };
      expect(err.error.message).toMatch(message);
      expect(err.error.code).toBe(status);
      expect(err.error.type).toBe(status === 404 ? 'NotFoundError' : 'BadRequestError');
      expect(Object.keys(err.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    });
  }
  it('completions without a prompt, unknown routes and wrong methods', async () => {
    const r = await postJson(`${url}/v1/completions`, { model: MODEL });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.param).toBe('prompt');
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/v1/chat/completions`)).status).toBe(405);
  });
});
