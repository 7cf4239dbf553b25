// The simulator's qwen3 reasoning parser (vLLM --reasoning-parser qwen3): the text up to </think>
// becomes reasoning_content, the rest is content and goes through the tool parser; streamed as
// reasoning_content deltas then content/tool_call deltas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../src/sim/index.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

describe('qwen3 reasoning parser', () => {
  let sim: SimCluster;
  let plain: SimCluster;
  beforeAll(async () => {
    sim = await startSim({ reasoningParser: 'qwen3', profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } });
    plain = await startSim({ profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } });
  });
  afterAll(async () => {
    await sim?.close();
    await plain?.close();
  });

  const post = (url: string, raw: string, stream: boolean) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream, tools, messages: [{ role: 'user', content: 'weather?' }], sim_script: { raw, parser: 'hermes' } }),
    });

  async function streamed(url: string, raw: string) {
    const text = await (await post(url, raw, true)).text();
    let reasoning = '';
    let content = '';
    const calls: string[] = [];
    for (const ev of text.split('\n\n')) {
      if (!ev.startsWith('data: ') || ev.includes('[DONE]')) continue;
      const d = (JSON.parse(ev.slice(6)) as { choices: Array<{ delta?: { reasoning_content?: string; content?: string; tool_calls?: Array<{ function: { name?: string } }> } }> }).choices[0]?.delta;
      reasoning += d?.reasoning_content ?? '';
      content += d?.content ?? '';
      for (const t of d?.tool_calls ?? []) if (t.function.name) calls.push(t.function.name);
    }
    return { reasoning, content, calls };
  }

  it('splits reasoning from content and parses the tool call after </think>', async () => {
    const raw = '<think>The user wants weather.</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
    const msg = ((await (await post(sim.urls[0]!, raw, false)).json()) as { choices: Array<{ message: { reasoning_content: string; content: string | null; tool_calls: Array<{ function: { name: string } }> } }> }).choices[0]!.message;
    expect(msg.reasoning_content).toBe('The user wants weather.');
    expect(msg.tool_calls.map((t) => t.function.name)).toEqual(['get_weather']);
    const s = await streamed(sim.urls[0]!, raw);
    expect(s.reasoning).toBe('The user wants weather.');
    expect(s.calls).toEqual(['get_weather']);
    expect(s.content).not.toContain('<think>');
  });

  it('leaves a call that stands only inside <think> in reasoning_content', async () => {
    const raw = '<think>I will call <tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call></think>Sure.';
    const msg = ((await (await post(sim.urls[0]!, raw, false)).json()) as { choices: Array<{ message: { reasoning_content: string; content: string; tool_calls: unknown[] } }> }).choices[0]!.message;
    expect(msg.reasoning_content).toContain('<tool_call>');
    expect(msg.content).toBe('Sure.');
    expect(msg.tool_calls).toEqual([]);
  });

  it('is off unless configured: think text stays in content', async () => {
    const raw = '<think>Hmm.</think>Hello';
    const msg = ((await (await post(plain.urls[0]!, raw, false)).json()) as { choices: Array<{ message: { reasoning_content: null; content: string } }> }).choices[0]!.message;
    expect(msg.reasoning_content).toBeNull();
    expect(msg.content).toBe(raw);
  });
});
