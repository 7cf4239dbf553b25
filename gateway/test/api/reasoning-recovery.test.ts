// Behind vLLM's qwen3 reasoning parser, a call the model made only inside <think> arrives in
// reasoning_content. The gateway recovers it (labelled think_recovered) the same way streaming
// and not, and never forwards raw call text as content.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseData, startStack, type Stack } from '../helpers/stack.js';

const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
const raw = '<think>I should call <tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call></think>';

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
      body: JSON.stringify({ model: 'Qwen/Qwen3-0.6B', stream, tools, messages: [{ role: 'user', content: 'Weather in Oslo?' }], sim_script: { raw, parser: 'hermes' } }),
    });

  it('non-streaming: recovered from reasoning_content', async () => {
    const res = await post(false);
    expect(res.headers.get('x-toolgate-toolcalls')).toBe('repaired');
    const body = (await res.json()) as { choices: Array<{ message: { content: string | null; tool_calls: Array<{ function: { name: string; arguments: string } }> } }>; toolgate: { tool_calls: { repairs: string[] } } };
    const msg = body.choices[0]!.message;
    expect(msg.tool_calls.map((t) => [t.function.name, JSON.parse(t.function.arguments)])).toEqual([['get_weather', { city: 'Oslo' }]]);
    expect(body.toolgate.tool_calls.repairs).toContain('think_recovered');
  });

  it('streaming: the same call, the same verdict', async () => {
    const events = sseData(await (await post(true)).text()) as Array<{
      choices?: Array<{ delta?: { content?: string; tool_calls?: Array<{ function: { name?: string; arguments?: string } }> } }>;
      toolgate?: { tool_calls: { outcome: string; repairs: string[] } };
    }>;
    const calls = events.flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? []);
    expect(calls.map((t) => [t.function.name, JSON.parse(t.function.arguments ?? '{}')])).toEqual([['get_weather', { city: 'Oslo' }]]);
    const verdict = events.find((e) => e.toolgate)!.toolgate!.tool_calls;
    expect(verdict.outcome).toBe('repaired');
    expect(verdict.repairs).toContain('think_recovered');
    expect(events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('')).not.toContain('<tool_call>');
  });
});
