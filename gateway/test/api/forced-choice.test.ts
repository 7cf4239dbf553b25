// A forced tool_choice (`required`, a named function) through the built `toolgate serve`, as the
// real `openai` SDK sees it. In front of simulated vLLM 0.33 pods WITHOUT a tool parser — which
// refuse such a choice with a 400 on their own — the gateway serves it with guided JSON and the
// client gets valid tool_calls, streamed and whole alike. In front of pods with
// `--tool-call-parser hermes` the pod still serves it (its structural tags), as before.
import OpenAI, { BadRequestError } from 'openai';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBuilt, simBuilt, type BuiltGateway } from '../helpers/built-bin.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'get_time',
      description: 'Local time in a time zone',
      parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
    },
  },
];
const ajv = new Ajv({ strict: false });
const validators = new Map(tools.map((t) => [t.function.name, ajv.compile(t.function.parameters)]));

type Call = { name: string; arguments: Record<string, unknown> };
type Answer = { calls: Call[]; content: string; finish: string | null };

/** Every call names one of the tools and its arguments satisfy that tool's schema. */
function expectValid(calls: Call[]): void {
  expect(calls.length).toBeGreaterThan(0);
  for (const c of calls) {
    const validate = validators.get(c.name);
    expect(validate, `unknown tool ${c.name}`).toBeDefined();
    expect(validate!(c.arguments), JSON.stringify(validate!.errors)).toBe(true);
  }
}

function callsOf(list: OpenAI.ChatCompletionMessageToolCall[] | undefined): Call[] {
  return (list ?? []).map((t) => {
    if (t.type !== 'function') throw new Error(`unexpected tool call type ${t.type}`);
    expect(t.id).toMatch(/\S/);
    return { name: t.function.name, arguments: JSON.parse(t.function.arguments) as Record<string, unknown> };
  });
}

async function whole(client: OpenAI, body: Record<string, unknown>): Promise<Answer> {
  const r = await client.chat.completions.create({ ...body, stream: false } as never);
  const choice = (r as OpenAI.ChatCompletion).choices[0]!;
  return {
    calls: callsOf(choice.message.tool_calls),
    content: choice.message.content ?? '',
    finish: choice.finish_reason,
  };
}

async function streamed(client: OpenAI, body: Record<string, unknown>): Promise<Answer> {
  const stream = client.chat.completions.stream({ ...body, stream: true } as never);
  const final = await stream.finalChatCompletion();
  const choice = final.choices[0]!;
  return {
    calls: callsOf(choice.message.tool_calls),
    content: choice.message.content ?? '',
    finish: choice.finish_reason,
  };
}

const ask = (extra: Record<string, unknown>) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  tools,
  ...extra,
});

interface BuiltStack {
  sim: Awaited<ReturnType<typeof simBuilt>>;
  gateway: BuiltGateway;
  client: OpenAI;
}

/** `toolgate sim --parser <parser>` behind `toolgate serve`, both built, for the enclosing suite. */
function builtStack(parser: 'none' | 'hermes'): BuiltStack {
  const stack = {} as BuiltStack;
  beforeAll(async () => {
    stack.sim = await simBuilt(['--parser', parser, '--ttft-ms', '0', '--itl-ms', '0']);
    stack.gateway = await serveBuilt({ upstreams: stack.sim.urls });
    stack.client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  }, 300_000);
  afterAll(async () => {
    await stack.gateway?.stop();
    await stack.sim?.stop();
  });
  return stack;
}

describe('forced tool_choice on pods without a tool parser (built gateway, openai SDK)', () => {
  const stack = builtStack('none');

  it('the pods alone refuse a forced choice (the gap the gateway closes)', async () => {
    const direct = new OpenAI({ baseURL: `${stack.sim.urls[0]}/v1`, apiKey: 'unused', maxRetries: 0 });
    const err = await direct.chat.completions
      .create(ask({ tool_choice: 'required' }) as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toContain('requires --tool-call-parser');
  });

  it('required: valid tool_calls, finish_reason tool_calls, the same streamed and whole', async () => {
    const body = ask({ tool_choice: 'required' });
    const [w, s] = [await whole(stack.client, body), await streamed(stack.client, body)];
    expectValid(w.calls);
    expect(w.finish).toBe('tool_calls');
    expect(w.content).toBe('');
    expect(s).toEqual(w);
  });

  it('required: the guided array the model wrote becomes its calls, in order', async () => {
    const raw =
      '[{"name": "get_time", "parameters": {"tz": "Europe/Paris"}}, {"name": "get_weather", "parameters": {"city": "Paris", "unit": "celsius"}}]';
    const body = ask({ tool_choice: 'required', sim_script: { raw } });
    const expected = [
      { name: 'get_time', arguments: { tz: 'Europe/Paris' } },
      { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } },
    ];
    const [w, s] = [await whole(stack.client, body), await streamed(stack.client, body)];
    expect(w.calls).toEqual(expected);
    expect(s.calls).toEqual(expected);
    expect([w.finish, s.finish]).toEqual(['tool_calls', 'tool_calls']);
  });

  it('required with parallel_tool_calls false: the grammar admits one call only', async () => {
    const raw =
      '[{"name": "get_time", "parameters": {"tz": "UTC"}}, {"name": "get_time", "parameters": {"tz": "CET"}}]';
    const body = ask({ tool_choice: 'required', parallel_tool_calls: false, sim_script: { raw } });
    const [w, s] = [await whole(stack.client, body), await streamed(stack.client, body)];
    expect(w.calls).toHaveLength(1);
    expectValid(w.calls);
    expect(s).toEqual(w);
  });

  it('named: a valid call of that function, the same streamed and whole', async () => {
    const body = ask({ tool_choice: { type: 'function', function: { name: 'get_time' } } });
    const [w, s] = [await whole(stack.client, body), await streamed(stack.client, body)];
    expectValid(w.calls);
    expect(w.calls.map((c) => c.name)).toEqual(['get_time']);
    expect(w.finish).toBe('tool_calls');
    expect(s).toEqual(w);
  });

  it('named: the arguments object the model wrote is the call, reported valid (not repaired)', async () => {
    const body = ask({
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      sim_script: { raw: '{"city": "Lyon", "unit": "fahrenheit"}' },
    });
    const res = await stack.client.chat.completions.create({ ...body, stream: false } as never).withResponse();
    expect(res.response.headers.get('x-toolgate-toolcalls')).toBe('valid');
    expect(callsOf(res.data.choices[0]!.message.tool_calls)).toEqual([
      { name: 'get_weather', arguments: { city: 'Lyon', unit: 'fahrenheit' } },
    ]);
    expect((await streamed(stack.client, body)).calls).toEqual([
      { name: 'get_weather', arguments: { city: 'Lyon', unit: 'fahrenheit' } },
    ]);
  });

  it('annotate: the guided answer read as vLLM reads it, as tool_calls', async () => {
    const body = ask({
      tool_choice: 'required',
      sim_script: { raw: '[{"name": "get_time", "parameters": {"tz": "UTC"}}]' },
    });
    const options = { headers: { 'x-toolgate-policy': 'annotate' } };
    const r = (await stack.client.chat.completions.create(
      { ...body, stream: false } as never,
      options,
    )) as OpenAI.ChatCompletion;
    expect(callsOf(r.choices[0]!.message.tool_calls)).toEqual([{ name: 'get_time', arguments: { tz: 'UTC' } }]);
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it("a named function that is not among the tools is vLLM's 400, streamed or not", async () => {
    const body = ask({ tool_choice: { type: 'function', function: { name: 'book_flight' } } });
    for (const stream of [false, true]) {
      const err = await stack.client.chat.completions.create({ ...body, stream } as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      const e = err as BadRequestError;
      expect(e.status).toBe(400);
      expect(e.message).toContain('The tool specified in `tool_choice` does not match any of the specified `tools`');
      expect(e.param).toBe('tool_choice');
    }
  });

  it("the client's own response_format with a forced choice is left to the pod (its 400, as vLLM alone)", async () => {
    const body = ask({ tool_choice: 'required', response_format: { type: 'json_object' } });
    const err = await stack.client.chat.completions.create(body as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toContain('requires --tool-call-parser');
  });
});

describe('forced tool_choice on pods with --tool-call-parser hermes (built gateway, openai SDK)', () => {
  const stack = builtStack('hermes');

  it('the pod serves the choice itself: the <tool_call> the model wrote is parsed by its hermes parser', async () => {
    // Under guided JSON this text would not conform; the pod's own (structural-tag) path reads it.
    const raw = '<tool_call>\n{"name": "get_time", "arguments": {"tz": "Asia/Tokyo"}}\n</tool_call>';
    for (const tool_choice of ['required', { type: 'function', function: { name: 'get_time' } }]) {
      const body = ask({ tool_choice, sim_script: { raw } });
      const [w, s] = [await whole(stack.client, body), await streamed(stack.client, body)];
      expect(w.calls).toEqual([{ name: 'get_time', arguments: { tz: 'Asia/Tokyo' } }]);
      expect(w.finish).toBe('tool_calls');
      expect(s).toEqual(w);
    }
  });

  it('required without a script: valid tool_calls, the same streamed and whole', async () => {
    const body = ask({ tool_choice: 'required' });
    const [w, s] = [await whole(stack.client, body), await streamed(stack.client, body)];
    expectValid(w.calls);
    expect(s).toEqual(w);
  });
});
