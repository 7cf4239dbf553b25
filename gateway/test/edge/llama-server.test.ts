// The edge backend for real: the tiny Qwen3 quantized to Q4_K_M (make edge-deps) under llama.cpp's
// llama-server, behind the built `toolgate serve`. The gateway detects the kind from the model
// cards, serves llama-server's card in vLLM's shape, reads its llamacpp:* metrics as load, and a
// forced tool call comes back checked (x-toolgate-toolcalls: valid).
//
// llama-server's own tool-call handling (common/chat-auto-parser-generator.cpp in the pinned tree):
// it derives the call format from the chat template (here `<tool_call>\n{"name", "arguments"}\n</tool_call>`)
// and, for tool_choice "required", samples under a grammar of `text until "<tool_call>\n"`, then one
// or more call blocks whose JSON follows the tool's schema, then the end. The text before the
// call is free and nothing bounds it, so a random model at temperature 0 writes newlines until
// max_tokens. The test therefore opens the call itself: a final assistant message "<tool_call>\n"
// is continued (llama-server feeds it to the grammar), parallel_tool_calls: false allows one call
// per block, and a logit bias on the end-of-turn token ends the turn as soon as the grammar allows
// it (after the first block). Every token of the call itself is the model's, under the grammar.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEngineLoad } from '../../src/routing/load-scraper.js';
import { startLlamaServer, tinyGguf, type LlamaServer } from '../helpers/llama-server.js';
import { freePort, spawnBuiltToolgate, stopProcess, waitForHttp } from '../helpers/net.js';

const MODEL = 'tiny-qwen3';
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    // An enum keeps the constrained output short: a random model would fill a free string for ever.
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', enum: ['Paris', 'Rome'] } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

describe('llama-server as an edge backend behind toolgate serve', () => {
  let llama: LlamaServer;
  let gateway: ReturnType<typeof spawnBuiltToolgate>;
  let gatewayUrl: string;
  let dir: string;

  beforeAll(async () => {
    // the tiny model was trained for 1024 positions; llama-server caps the context there anyway
    llama = await startLlamaServer({ model: tinyGguf('Q4_K_M'), alias: MODEL, ctx: 1024 });
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-edge-'));
    const port = await freePort();
    const config = {
      server: { host: '127.0.0.1', port, shutdownGraceMs: 200 },
      // kind left to auto-detection; scrape often so the test sees llama-server's load gauges
      pools: {
        default: { backends: [{ url: llama.url, name: 'edge-0' }], scrape: { intervalMs: 50, timeoutMs: 1000 } },
      },
    };
    await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(config));
    gateway = spawnBuiltToolgate(['serve', '--config', path.join(dir, 'gateway.json')]);
    gatewayUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${gatewayUrl}/ready`, 30_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${gateway.output()}`);
    }
  }, 180_000);

  afterAll(async () => {
    if (gateway) await stopProcess(gateway);
    await llama?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves llama-server's model card in vLLM's shape", async () => {
    const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'unused' });
    const models = await client.models.list();
    const card = models.data.find((m) => m.id === MODEL) as unknown as Record<string, unknown> | undefined;
    expect(card, JSON.stringify(models.data)).toBeDefined();
    expect(card).toMatchObject({ id: MODEL, owned_by: 'llamacpp', max_model_len: 1024, root: MODEL, parent: null });
  });

  it('returns a checked tool call from the Q4_K_M model (tool_choice required)', async () => {
    const tokenize = await fetch(`${llama.url}/tokenize`, {
      method: 'POST',
      body: JSON.stringify({ content: '<|im_end|>', parse_special: true }),
    });
    const endOfTurn = ((await tokenize.json()) as { tokens: number[] }).tokens;
    expect(endOfTurn).toHaveLength(1);
    const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: '<tool_call>\n' },
        ],
        tools: [weather],
        tool_choice: 'required',
        parallel_tool_calls: false,
        logit_bias: { [String(endOfTurn[0])]: 100 },
        max_tokens: 256,
        temperature: 0,
      })
      .withResponse();
    const calls = data.choices[0]!.message.tool_calls ?? [];
    expect(calls, JSON.stringify(data)).toHaveLength(1);
    const call = calls[0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') return;
    expect(call.function.name).toBe('get_weather');
    expect(['Paris', 'Rome']).toContain((JSON.parse(call.function.arguments) as { city: string }).city);
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    expect(response.headers.get('x-toolgate-toolcalls')).toBe('valid');
    expect(response.headers.get('x-toolgate-backend')).toBe('edge-0');
  });

  it("maps llama-server's llamacpp:* metrics into the router's load signals, live", async () => {
    const text = await (await fetch(`${llama.url}/metrics`)).text();
    expect(text).toContain('llamacpp:requests_processing');
    expect(parseEngineLoad(text, 'llamacpp')).toMatchObject({ running: 0, waiting: 0 });
    expect(parseEngineLoad(text, 'vllm')).toBeNull();

    // the gateway's own gauge for this backend, fed by its scraper
    const gauge = async () => {
      const lines = (await (await fetch(`${gatewayUrl}/metrics`)).text()).split('\n');
      const value = (signal: string) =>
        Number(
          lines
            .find((l) => l.startsWith(`toolgate_backend_engine_load{backend="edge-0",signal="${signal}"}`))
            ?.split(' ')[1],
        );
      return { running: value('running'), waiting: value('waiting') };
    };
    const until = async (want: { running: number; waiting: number }) => {
      let last = await gauge();
      for (let i = 0; i < 300 && (last.running !== want.running || last.waiting !== want.waiting); i++) {
        await new Promise((r) => setTimeout(r, 20));
        last = await gauge();
      }
      return last;
    };
    // one long generation holds the only slot (-np 1), so a second request is deferred behind it
    const long = () =>
      fetch(`${llama.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'Tell me a story.' }],
          max_tokens: 960,
          ignore_eos: true,
          temperature: 0,
        }),
      }).then((r) => r.text());
    const done = Promise.all([long(), long()]);
    expect(await until({ running: 1, waiting: 1 })).toEqual({ running: 1, waiting: 1 });
    await done;
    expect(await until({ running: 0, waiting: 0 })).toEqual({ running: 0, waiting: 0 });
  });
});
