// Server flags and request options the simulator honours as vLLM 0.33 does: a pod without
// --enable-auto-tool-choice, --exclude-tools-when-tool-choice-none (seen in prompt_tokens, which
// is how a gateway can detect it), and guided decoding through response_format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../src/sim/index.js';
import { postJson, sseEvents, TOOLS } from './helpers.js';

const fixed = { kind: 'fixed' as const, ttftMs: 0, itlMs: 0 };
const messages = [{ role: 'user', content: 'Weather in Oslo for 3 days?' }];

describe('vLLM server flags and request options', () => {
  let hermes: SimCluster;
  let noTools: SimCluster;
  let excluding: SimCluster;
  beforeAll(async () => {
    [hermes, noTools, excluding] = await Promise.all([
      startSim({ profile: fixed }),
      startSim({ profile: fixed, parser: 'none' }),
      startSim({ profile: fixed, excludeToolsWhenToolChoiceNone: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([hermes, noTools, excluding].map((s) => s?.close()));
  });

  const chat = async (sim: SimCluster, body: Record<string, unknown>) => {
    const res = await postJson(`${sim.urls[0]}/v1/chat/completions`, { messages, max_tokens: 60, ...body });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('a pod without auto tool choice refuses tools unless tool_choice is "none", with vLLM\'s messages', async () => {
    const auto = await chat(noTools, { tools: TOOLS });
    expect(auto.status).toBe(400);
    expect(auto.body.error).toMatchObject({
      type: 'BadRequestError',
      code: 400,
      message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    });
    const required = await chat(noTools, { tools: TOOLS, tool_choice: 'required' });
    expect(required.body.error.message).toBe('tool_choice="required" requires --tool-call-parser to be set');
    const named = await chat(noTools, {
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(named.body.error.message).toBe('tool_choice=function "get_weather" requires --tool-call-parser to be set');
    const none = await chat(noTools, { tools: TOOLS, tool_choice: 'none' });
    expect(none.status).toBe(200);
  });

  it('tools are rendered under tool_choice "none" unless the pod excludes them: prompt_tokens tell', async () => {
    const tokens = async (sim: SimCluster, body: Record<string, unknown>) =>
      (await chat(sim, { ...body, max_tokens: 1 })).body.usage.prompt_tokens as number;
    const bare = await tokens(hermes, {});
    const none = await tokens(hermes, { tools: TOOLS, tool_choice: 'none' });
    expect(none).toBeGreaterThan(bare + 20);
    expect(await tokens(hermes, { tools: TOOLS })).toBe(none);
    expect(await tokens(excluding, { tools: TOOLS, tool_choice: 'none' })).toBe(bare);
    expect(await tokens(excluding, { tools: TOOLS })).toBe(none);
  });

  it('tool_choice "none" returns the <tool_call> text the model wrote, untouched, in content', async () => {
    const raw =
      '<think>\nweather\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>';
    const r = await chat(hermes, { tools: TOOLS, tool_choice: 'none', sim_script: { raw } });
    expect(r.body.choices[0].message).toMatchObject({
      reasoning: '\nweather\n',
      content: raw.slice(raw.indexOf('</think>') + 8),
    });
    expect(r.body.choices[0].message.tool_calls).toBeUndefined();
  });

  it('response_format json_schema: guided decoding answers with JSON of that schema, after the think block', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } },
      required: ['city', 'days'],
    };
    const r = await chat(hermes, {
      response_format: { type: 'json_schema', json_schema: { name: 'forecast', schema } },
    });
    const msg = r.body.choices[0].message;
    expect(JSON.parse(msg.content)).toEqual({ city: 'Oslo', days: 1 });
    expect(msg.reasoning).toBeTruthy();
    const events = sseEvents(
      await (
        await postJson(`${hermes.urls[0]}/v1/chat/completions`, {
          messages,
          stream: true,
          response_format: { type: 'json_schema', json_schema: { name: 'f', schema } },
        })
      ).text(),
    ) as any[];
    const content = events
      .filter((e) => e !== '[DONE]')
      .map((e) => e.choices[0]?.delta?.content ?? '')
      .join('');
    expect(JSON.parse(content)).toEqual({ city: 'Oslo', days: 1 });
    // Guided decoding wins over a scripted (free-text) output, and tools under "auto".
    const scripted = await chat(hermes, {
      tools: TOOLS,
      response_format: { type: 'json_schema', json_schema: { name: 'f', schema } },
      sim_script: { raw: 'prose' },
    });
    expect(JSON.parse(scripted.body.choices[0].message.content)).toEqual({ city: 'Oslo', days: 1 });
  });

  it('structured_outputs.json on a pod without a tool parser: any root type; a scripted text is kept only when it conforms', async () => {
    // The schema vLLM derives for tool_choice "required" (tool_parsers/utils.py), as a gateway sends it.
    const schema = {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        anyOf: TOOLS.map((t) => ({
          properties: { name: { type: 'string', enum: [t.function.name] }, parameters: t.function.parameters },
          required: ['name', 'parameters'],
        })),
      },
    };
    const ask = (raw?: string) =>
      chat(noTools, {
        tools: TOOLS,
        tool_choice: 'none',
        structured_outputs: { json: schema },
        ...(raw !== undefined ? { sim_script: { raw } } : {}),
      });
    const synthesized = await ask();
    expect(synthesized.status).toBe(200);
    const value = JSON.parse(synthesized.body.choices[0].message.content) as Array<{ name: string }>;
    expect(value).toHaveLength(1);
    expect(TOOLS.map((t) => t.function.name)).toContain(value[0]!.name);
    const conforming = '[{"name": "get_weather", "parameters": {"city": "Bergen", "days": 2}}]';
    expect((await ask(conforming)).body.choices[0].message.content).toBe(conforming);
    // Two items break maxItems, a <tool_call> is not JSON: the grammar would not have let the model write either.
    for (const raw of [`[${conforming.slice(1, -1)}, ${conforming.slice(1, -1)}]`, '<tool_call>\n{}\n</tool_call>']) {
      const content = (await ask(raw)).body.choices[0].message.content as string;
      expect(content).not.toBe(raw);
      expect(JSON.parse(content)).toHaveLength(1);
    }
  });

  it("response_format json_object answers with a JSON object; json_schema without a schema is vLLM's 400", async () => {
    const r = await chat(hermes, {
      response_format: { type: 'json_object' },
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(typeof JSON.parse(r.body.choices[0].message.content)).toBe('object');
    const bad = await chat(hermes, { response_format: { type: 'json_schema' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      "When response_format type is 'json_schema', the 'json_schema' field must be provided.",
    );
  });

  it('a forced tool_choice wins over response_format and is never faulted', async () => {
    const faulty = await startSim({ profile: fixed, faults: { rates: { bare_json: 1 } } });
    try {
      const r = await chat(faulty, { tools: TOOLS, tool_choice: 'required', response_format: { type: 'json_object' } });
      expect(r.body.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: '' } });
      expect(r.body.choices[0].message.tool_calls[0].function.name).toBe('get_weather');
      const auto = await chat(faulty, { tools: TOOLS, chat_template_kwargs: { enable_thinking: false } });
      expect(auto.body.choices[0].message.tool_calls).toBeUndefined(); // the bare_json fault, unparsed
    } finally {
      await faulty.close();
    }
  });
});
