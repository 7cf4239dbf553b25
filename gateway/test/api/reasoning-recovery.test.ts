// A call the model made only inside <think>, behind vLLM 0.33's qwen3 reasoning parser: there a
// <tool_call> ends reasoning (docs/vllm-tool-parsing.md §2), so the call and the orphan </think>
// after it arrive in content. The gateway reads the call the same way streaming and not, and
// never forwards raw call text or the orphan tag as content. (Older reasoning parsers left such a
// call in reasoning_content; the engine recovers it from there too, labelled think_recovered —
// see the corpus suite's reasoning cases.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseData, startStack, type Stack } from '../helpers/stack.js';

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const raw =
  '<think>I should call <tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call></think>';

describe('think-only calls behind a reasoning parser', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, reasoningParser: 'qwen3', profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } }]);
  });
  afterAll(async () => stack?.close());

  const post = (stream: boolean) =>
    fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'Qwen/Qwen3-0.6B',
        stream,
        tools,
        messages: [{ role: 'user', content: 'Weather in Oslo?' }],
        sim_script: { raw, parser: 'hermes' },
      }),
    });

  let wholeVerdict: string | null = null;
  it('non-streaming: the call, no call text or orphan tag in content', async () => {
    const res = await post(false);
    wholeVerdict = res.headers.get('x-toolgate-toolcalls');
    expect(['valid', 'repaired']).toContain(wholeVerdict);
    const body = (await res.json()) as {
      choices: Array<{
        message: { content: string | null; tool_calls: Array<{ function: { name: string; arguments: string } }> };
      }>;
      toolgate: { tool_calls: { repairs: string[] } };
    };
    const msg = body.choices[0]!.message;
    expect(msg.tool_calls.map((t) => [t.function.name, JSON.parse(t.function.arguments)])).toEqual([
      ['get_weather', { city: 'Oslo' }],
    ]);
    expect(msg.content ?? '').not.toMatch(/<\/?(tool_call|think)>/);
  });

  it('streaming: the same call, the same verdict', async () => {
    const events = sseData(await (await post(true)).text()) as Array<{
      choices?: Array<{
        delta?: { content?: string; tool_calls?: Array<{ function: { name?: string; arguments?: string } }> };
      }>;
      toolgate?: { tool_calls: { outcome: string; repairs: string[] } };
    }>;
    const calls = events.flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? []);
    expect(calls.map((t) => [t.function.name, JSON.parse(t.function.arguments ?? '{}')])).toEqual([
      ['get_weather', { city: 'Oslo' }],
    ]);
    const verdict = events.find((e) => e.toolgate)!.toolgate!.tool_calls;
    expect(verdict.outcome).toBe(wholeVerdict);
    expect(events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('')).not.toMatch(/<\/?(tool_call|think)>/);
  });
});
