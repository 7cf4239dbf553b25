// The simulator's qwen3 reasoning parser (vLLM 0.33 --reasoning-parser qwen3, on by default): with
// thinking on, text up to </think> (or up to a <tool_call>, which ends reasoning implicitly) is
// `reasoning`; the rest is content and goes through the tool parser. The exact chunking is pinned
// by vllm-fidelity.test.ts; these tests show the behaviour a client sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../src/sim/index.js';
import { postJson, sseEvents } from './helpers.js';

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';

interface Msg {
  reasoning: string | null;
  content: string | null;
  tool_calls?: Array<{ function: { name: string; arguments: string } }>;
}

describe('qwen3 reasoning parser', () => {
  let sim: SimCluster;
  let plain: SimCluster;
  beforeAll(async () => {
    sim = await startSim({ profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } });
    plain = await startSim({ reasoningParser: null, profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } });
  });
  afterAll(async () => {
    await sim?.close();
    await plain?.close();
  });

  const body = (raw: string, extra: Record<string, unknown> = {}) => ({
    tools,
    messages: [{ role: 'user', content: 'weather?' }],
    sim_script: { raw },
    ...extra,
  });
  async function whole(url: string, raw: string, extra: Record<string, unknown> = {}) {
    const r = (await (await postJson(`${url}/v1/chat/completions`, body(raw, extra))).json()) as {
      choices: Array<{ message: Msg }>;
      usage: Record<string, any>;
    };
    return { msg: r.choices[0]!.message, usage: r.usage };
  }
  async function streamed(url: string, raw: string) {
    const events = sseEvents(
      await (await postJson(`${url}/v1/chat/completions`, { ...body(raw), stream: true })).text(),
    ) as Array<Record<string, any> | string>;
    const deltas = events.filter((e): e is Record<string, any> => e !== '[DONE]').map((e) => e.choices[0]?.delta ?? {});
    return {
      reasoning: deltas.map((d) => d.reasoning ?? '').join(''),
      content: deltas.map((d) => d.content ?? '').join(''),
      calls: deltas
        .flatMap((d) => d.tool_calls ?? [])
        .filter((t: any) => t.function.name)
        .map((t: any) => t.function.name),
    };
  }

  it('is on by default: <think>…</think> becomes `reasoning`, the call after it a tool call', async () => {
    const raw = `<think>The user wants weather.</think>\n\n${CALL}`;
    const { msg, usage } = await whole(sim.urls[0]!, raw);
    expect(msg).toMatchObject({ reasoning: 'The user wants weather.', content: null });
    expect(msg.tool_calls!.map((t) => t.function.name)).toEqual(['get_weather']);
    expect(usage.completion_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    // Streamed, the blank line before the call goes out as content (whole answers drop it).
    expect(await streamed(sim.urls[0]!, raw)).toEqual({
      reasoning: 'The user wants weather.',
      content: '\n\n',
      calls: ['get_weather'],
    });
  });

  it('with thinking on, an answer that never closes </think> is all reasoning', async () => {
    const { msg } = await whole(sim.urls[0]!, 'It is sunny in Oslo.');
    expect(msg).toMatchObject({ reasoning: 'It is sunny in Oslo.', content: null });
    expect(msg.tool_calls).toBeUndefined();
  });

  it('a <tool_call> inside <think> ends reasoning: the call is parsed, the late </think> dropped', async () => {
    const { msg } = await whole(sim.urls[0]!, `<think>I will call ${CALL}</think>Sure.`);
    expect(msg.reasoning).toBe('I will call ');
    expect(msg.tool_calls!.map((t) => t.function.name)).toEqual(['get_weather']);
  });

  it('chat_template_kwargs.enable_thinking false: the text is all content, <think> tags included', async () => {
    const raw = '<think>Hmm.</think>Hello';
    const { msg, usage } = await whole(sim.urls[0]!, raw, { chat_template_kwargs: { enable_thinking: false } });
    expect(msg).toMatchObject({ reasoning: null, content: raw });
    expect(usage.completion_tokens_details).toEqual({ reasoning_tokens: 0 });
  });

  it('reasoningParser null (--reasoning-parser none): think text stays in content, no reasoning details', async () => {
    const raw = '<think>Hmm.</think>Hello';
    const { msg, usage } = await whole(plain.urls[0]!, raw);
    expect(msg).toMatchObject({ reasoning: null, content: raw });
    expect(usage.completion_tokens_details).toBeNull();
  });

  it('generated answers open with a short think block when thinking is on', async () => {
    const r = (await (
      await postJson(`${sim.urls[0]}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hello there' }] })
    ).json()) as { choices: Array<{ message: Msg }> };
    const msg = r.choices[0]!.message;
    expect(msg.reasoning).toBe('\nI can answer this directly.\n');
    expect(msg.content!.startsWith('\n\n')).toBe(true);
  });
});
