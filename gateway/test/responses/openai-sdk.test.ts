// The real `openai` SDK's responses.create / retrieve / delete against the gateway in front of
// real simulator pods: function tools whole and streamed (the event sequence, numbered from 0),
// a function-calling round trip chained with previous_response_id, a malformed call repaired in
// a stream, a refused answer as the SDK's 422 class, never-silent text, reasoning items,
// item_reference, a mid-stream failure as `error` + `response.failed`, and the metrics label.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { BadRequestError, NotFoundError, UnprocessableEntityError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { startStack, type Stack } from '../helpers/stack.js';
import { metricSum, metricsText } from '../experiments/helpers.js';
import { MODEL, collect, textOf, weatherTool } from './helpers.js';

const weather = weatherTool;
const REPAIRABLE = "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Paris',}}\n</tool_call>";
const INVALID = '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>';

describe('Responses API through the openai SDK', () => {
  let stack: Stack;
  let client: OpenAI;
  beforeAll(async () => {
    // The pods run vLLM's qwen3 reasoning parser, as a Qwen3 deployment does: each answer opens with
    // a reasoning item, which the assertions below step over (the reasoning suite checks it).
    stack = await startStack([{ pods: 2, profile: { kind: 'fixed', ttftMs: 2, itlMs: 1 }, reasoningParser: 'qwen3' }], {
      toolcalls: { policy: 'repair' },
    });
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => stack?.close());

  it('answers a function call whole, and the call chains into a text answer with previous_response_id', async () => {
    const r1 = await client.responses.create({
      model: MODEL,
      input: 'What is the weather in Paris?',
      tools: [weather],
    });
    expect(r1.object).toBe('response');
    expect(r1.status).toBe('completed');
    const call = r1.output.find((i) => i.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call!.type === 'function_call' ? call!.arguments : '{}')).toEqual({ city: 'Paris' });
    expect(r1.usage!.input_tokens).toBeGreaterThan(0);
    expect(r1.usage!.output_tokens).toBeGreaterThan(0);

    // The tool result goes back as a function_call_output; the model (the simulator answers in
    // prose right after a tool message) finishes in text.
    const r2 = await client.responses.create({
      model: MODEL,
      previous_response_id: r1.id,
      input: [
        {
          type: 'function_call_output',
          call_id: call!.type === 'function_call' ? call!.call_id : '',
          output: '{"temp_c": 21}',
        },
      ],
      tools: [weather],
    });
    expect(r2.previous_response_id).toBe(r1.id);
    expect(r2.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(r2.output_text.length).toBeGreaterThan(0);

    const got = await client.responses.retrieve(r2.id);
    expect(got.id).toBe(r2.id);
    expect(got.output).toEqual(r2.output);
    await client.responses.delete(r2.id);
    await expect(client.responses.retrieve(r2.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.responses.delete(r2.id)).rejects.toBeInstanceOf(NotFoundError);
    const chained = await client.responses
      .create({ model: MODEL, previous_response_id: r2.id, input: 'and tomorrow?' })
      .catch((e: unknown) => e);
    expect(chained).toBeInstanceOf(NotFoundError);
    expect((chained as NotFoundError).param).toBe('previous_response_id');
  });

  it('streams a function call as the OpenAI event sequence, numbered from 0', async () => {
    const stream = await client.responses.create({
      model: MODEL,
      input: 'What is the weather in Paris?',
      tools: [weather],
      stream: true,
    });
    const events = await collect(stream);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('response.created');
    expect(types[1]).toBe('response.in_progress');
    expect(types.at(-1)).toBe('response.completed');
    const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type !== 'reasoning');
    expect(added?.type === 'response.output_item.added' && added.item).toMatchObject({
      type: 'function_call',
      name: 'get_weather',
      arguments: '',
    });
    const deltas = events
      .filter((e) => e.type === 'response.function_call_arguments.delta')
      .map((e) => (e.type === 'response.function_call_arguments.delta' ? e.delta : ''));
    const done = events.find((e) => e.type === 'response.function_call_arguments.done');
    expect(done?.type === 'response.function_call_arguments.done' && done.arguments).toBe(deltas.join(''));
    expect(JSON.parse(deltas.join(''))).toEqual({ city: 'Paris' });
    const completed = events.at(-1)!;
    const itemsDone = events.flatMap((e) => (e.type === 'response.output_item.done' ? [e.item] : []));
    expect(itemsDone.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
    expect(completed.type === 'response.completed' && completed.response.output).toEqual(itemsDone);
    expect(completed.type === 'response.completed' && completed.response.usage!.output_tokens).toBeGreaterThan(0);
  });

  it('streams text as a message item whose deltas add up to the done text', async () => {
    const stream = await client.responses.create({
      model: MODEL,
      input: 'Tell me a story',
      stream: true,
      instructions: 'Be brief.',
    });
    const events = await collect(stream);
    expect(
      events
        .map((e) => e.type)
        .filter((t) => t !== 'response.output_text.delta' && t !== 'response.reasoning_text.delta'),
    ).toEqual([
      'response.created',
      'response.in_progress',
      // the reasoning item (qwen3 reasoning parser), then the message
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
    const completed = events.at(-1)!;
    expect(text.length).toBeGreaterThan(0);
    expect(completed.type === 'response.completed' && textOf(completed.response)).toBe(text);
    expect(completed.type === 'response.completed' && completed.response.instructions).toBe('Be brief.');
  });

  it('repairs a malformed call in a stream and says so in the verdict', async () => {
    const stream = await client.responses.create({
      model: MODEL,
      input: 'Weather in Paris?',
      tools: [weather],
      stream: true,
      sim_script: { raw: REPAIRABLE, parser: 'none' },
    } as never);
    const events = await collect(stream);
    const done = events.find((e) => e.type === 'response.function_call_arguments.done');
    expect(done?.type === 'response.function_call_arguments.done' && JSON.parse(done.arguments)).toEqual({
      city: 'Paris',
    });
    const completed = events.at(-1) as {
      type: string;
      response: { toolgate?: { tool_calls: Array<{ outcome: string; repairs: string[] }> } };
    };
    expect(completed.type).toBe('response.completed');
    expect(completed.response.toolgate!.tool_calls[0]!.outcome).toBe('repaired');
    expect(completed.response.toolgate!.tool_calls[0]!.repairs.length).toBeGreaterThan(0);
  });

  it('never silent: a call that stays invalid comes back as the model text', async () => {
    const r = await client.responses.create({
      model: MODEL,
      input: 'Weather?',
      tools: [weather],
      sim_script: { raw: INVALID, parser: 'none' },
    } as never);
    expect(r.output.map((i) => i.type)).toEqual(['message']);
    expect(r.output_text).toBe(INVALID);
  });

  it('reject policy: an invalid call is the SDK 422 error, whole and streamed', async () => {
    const body = { model: MODEL, input: 'Weather?', tools: [weather], sim_script: { raw: INVALID, parser: 'none' } };
    const opts = { headers: { 'x-toolgate-policy': 'reject' } };
    const whole = await client.responses.create(body as never, opts).catch((e: unknown) => e);
    expect(whole).toBeInstanceOf(UnprocessableEntityError);
    expect((whole as UnprocessableEntityError).code).toBe('invalid_tool_call');
    const streamed = await (async () => {
      const s = await client.responses.create({ ...body, stream: true } as never, opts);
      for await (const _ of s as unknown as AsyncIterable<unknown>) {
        /* never reached: the response itself is the 422 */
      }
    })().catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(UnprocessableEntityError);
  });

  it('resolves item_reference input items from the store, and 404s an unknown one', async () => {
    const r1 = await client.responses.create({ model: MODEL, input: 'Say something' });
    const msg = r1.output.find((i) => i.type === 'message')!;
    const r2 = await client.responses.create({
      model: MODEL,
      input: [
        { role: 'user', content: 'Say something' },
        { type: 'item_reference', id: msg.id },
        { role: 'user', content: 'Again' },
      ],
    });
    expect(r2.status).toBe('completed');
    const missing = await client.responses
      .create({ model: MODEL, input: [{ type: 'item_reference', id: 'msg_nope' }] })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it('refuses what it cannot serve with a 400 naming the parameter', async () => {
    const hosted = await client.responses
      .create({ model: MODEL, input: 'x', tools: [{ type: 'web_search' }] } as never)
      .catch((e: unknown) => e);
    expect(hosted).toBeInstanceOf(BadRequestError);
    expect((hosted as BadRequestError).param).toBe('tools[0].type');
    const background = await client.responses
      .create({ model: MODEL, input: 'x', background: true })
      .catch((e: unknown) => e);
    expect((background as BadRequestError).param).toBe('background');
    const noInput = await client.responses.create({ model: MODEL } as never).catch((e: unknown) => e);
    expect((noInput as BadRequestError).param).toBe('input');
    const badItem = await client.responses
      .create({ model: MODEL, input: [{ type: 'computer_call_output', call_id: 'x' }] } as never)
      .catch((e: unknown) => e);
    expect((badItem as BadRequestError).status).toBe(400);
  });

  it('ends a stream that fails after it started with error and response.failed', async () => {
    const stream = await client.responses.create({
      model: MODEL,
      input: 'x',
      stream: true,
      sim_script: { raw: 'one two three four five six seven eight', parser: 'none', fault: 'reset_mid_stream' },
    } as never);
    const events = await collect(stream);
    const types = events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    const failed = events.at(-1)!;
    expect(failed.type === 'response.failed' && failed.response.status).toBe('failed');
    expect(failed.type === 'response.failed' && failed.response.error?.message.length).toBeGreaterThan(0);
  });

  it('a client that goes away mid-stream aborts the upstream request', async () => {
    const aborted = () => stack.sims[0]!.pods.reduce((a, p) => a + p.stats().aborted, 0);
    const before = aborted();
    const raw = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const stream = await client.responses.create({
      model: MODEL,
      input: 'x',
      stream: true,
      sim_script: { raw, parser: 'none', itl_ms: 20 },
    } as never);
    const s = stream as unknown as AsyncIterable<ResponseStreamEvent>;
    // A text with neither </think> nor <tool_call> is all reasoning behind the qwen3 parser.
    for await (const e of s)
      if (e.type === 'response.reasoning_text.delta' || e.type === 'response.output_text.delta') break; // leaving the loop aborts the request
    const deadline = Date.now() + 10_000;
    while (aborted() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(aborted()).toBe(before + 1);
  });

  it('labels TTFT, ITL and e2e with endpoint="responses"', async () => {
    const text = await metricsText(stack.gateway.url);
    expect(metricSum(text, 'toolgate_time_to_first_token_seconds_count', { endpoint: 'responses' })).toBeGreaterThan(0);
    expect(metricSum(text, 'toolgate_inter_token_latency_seconds_count', { endpoint: 'responses' })).toBeGreaterThan(0);
    expect(metricSum(text, 'toolgate_e2e_request_latency_seconds_count', { endpoint: 'responses' })).toBeGreaterThan(0);
    expect(metricSum(text, 'toolgate_e2e_request_latency_seconds_count', { endpoint: 'chat' })).toBe(0);
  });
});

describe('Responses API: reasoning', () => {
  let stack: Stack;
  let client: OpenAI;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 2, itlMs: 1 }, reasoningParser: 'qwen3' }]);
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => stack?.close());

  for (const stream of [false, true]) {
    it(`turns the model reasoning into a reasoning item before the message (${stream ? 'stream' : 'whole'})`, async () => {
      const raw = '<think>\nThe user wants a greeting.\n</think>\n\nHello there!';
      const body = { model: MODEL, input: 'Hi', sim_script: { raw, parser: 'none' } };
      let r: OpenAI.Responses.Response;
      if (stream) {
        const events = await collect(await client.responses.create({ ...body, stream: true } as never));
        expect(events.some((e) => e.type === 'response.reasoning_text.delta')).toBe(true);
        const last = events.at(-1)!;
        if (last.type !== 'response.completed') throw new Error(`ended with ${last.type}`);
        r = last.response;
      } else r = await client.responses.create(body as never);
      expect(r.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
      const reasoning = r.output[0]!;
      expect(reasoning.type === 'reasoning' && reasoning.content?.[0]?.text).toContain('The user wants a greeting.');
      expect(textOf(r)).toContain('Hello there!');
    });
  }
});
