// Shared pieces of the Responses API tests: the model name, a function tool in the Responses
// shape, reading a stream's events and a response's text.
import type OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';

export const MODEL = 'Qwen/Qwen3-0.6B';

export const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Get the current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

/** Every event of a streamed response (whatever the SDK typed the stream as). */
export async function collect(stream: unknown): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const e of stream as AsyncIterable<ResponseStreamEvent>) events.push(e);
  return events;
}

/** The text of a response's message items (the SDK adds `output_text` to whole responses only). */
export const textOf = (r: OpenAI.Responses.Response): string =>
  r.output
    .flatMap((i) => (i.type === 'message' ? i.content.map((c) => (c.type === 'output_text' ? c.text : '')) : []))
    .join('');
