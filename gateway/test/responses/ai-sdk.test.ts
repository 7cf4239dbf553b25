// The Vercel AI SDK's default OpenAI provider — `openai(model)` calls POST /v1/responses — with
// a local tool and `stopWhen`, through generateText and streamText: the model calls the tool,
// the SDK runs it and sends the call and its result back as input items, and the model answers
// in text. (With its default `store: true` the SDK sends earlier text and reasoning items as
// item_reference; openai-sdk.test.ts covers their resolution from the store.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { startStack, type Stack } from '../helpers/stack.js';
import { MODEL } from './helpers.js';

describe('AI SDK openai(model) provider (Responses API) with tools and stopWhen', () => {
  let stack: Stack;
  let provider: ReturnType<typeof createOpenAI>;
  const calls: string[] = [];
  const tools = {
    get_weather: tool({
      description: 'Get the current weather for a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return { city, temperatureC: 21, sky: 'clear' };
      },
    }),
  };

  beforeAll(async () => {
    stack = await startStack([{ pods: 2, profile: { kind: 'fixed', ttftMs: 2, itlMs: 1 }, reasoningParser: 'qwen3' }]);
    provider = createOpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused' });
  });
  afterAll(async () => stack?.close());

  it('generateText: calls the tool, feeds the result back, finishes in text', async () => {
    calls.length = 0;
    const result = await generateText({
      model: provider(MODEL),
      tools,
      stopWhen: stepCountIs(4),
      prompt: 'What is the weather in Paris?',
    });
    expect(calls).toEqual(['Paris']);
    expect(result.steps.length).toBe(2);
    expect(result.steps[0]!.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(result.steps[0]!.finishReason).toBe('tool-calls');
    expect(result.finishReason).toBe('stop');
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.totalUsage.outputTokens).toBeGreaterThan(0);
  });

  it('streamText: the same loop over streamed responses', async () => {
    calls.length = 0;
    const result = streamText({
      model: provider(MODEL),
      tools,
      stopWhen: stepCountIs(4),
      prompt: 'What is the weather in Oslo?',
    });
    let text = '';
    const parts: string[] = [];
    for await (const part of result.fullStream) {
      parts.push(part.type);
      if (part.type === 'text-delta') text += part.text;
      if (part.type === 'error') throw part.error;
    }
    expect(calls).toEqual(['Oslo']);
    expect(parts).toContain('tool-call');
    expect(parts).toContain('tool-result');
    expect((await result.steps).length).toBe(2);
    expect(await result.finishReason).toBe('stop');
    expect(text.length).toBeGreaterThan(0);
    expect(text).toBe(await result.text);
  });
});
