// sim_script (scripted raw output, transport faults, stalls) and client disconnects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startSim, type SimCluster } from '../../src/sim/index.js';
import { metricValue, postJson, sleep, sseEvents, TOOLS } from './helpers.js';

let sim: SimCluster;
let url: string;
beforeAll(async () => {
  sim = await startSim({ profile: { decodeBaseMs: 1, numGpuBlocks: 4096 }, maxModelLen: 8192 });
  url = sim.urls[0]!;
});
afterAll(() => sim.close());

// Thinking off: these tests look at the tool parser; with thinking on, text before the first
// <tool_call> would be reasoning (see reasoning-parser.test.ts).
const chat = (extra: Record<string, unknown>) => ({
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: TOOLS,
  chat_template_kwargs: { enable_thinking: false },
  ...extra,
});

describe('sim_script', () => {
  const raw = 'Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}\n</tool_call>';

  it('returns the raw text through the hermes parser (non-stream) and as raw text with parser none', async () => {
    const r = (await (await postJson(`${url}/v1/chat/completions`, chat({ sim_script: { raw } }))).json()) as any;
    expect(r.choices[0].message.content).toBe('Sure.\n');
    expect(r.choices[0].message.tool_calls[0].function).toEqual({
      name: 'get_weather',
      arguments: '{"city": "Paris", "days": 2}',
    });
    const n = (await (
      await postJson(`${url}/v1/chat/completions`, chat({ sim_script: { raw, parser: 'none' } }))
    ).json()) as any;
    expect(n.choices[0].message.content).toBe(raw);
    expect(n.choices[0].message.tool_calls).toBeUndefined(); // vLLM 0.33 leaves an empty list out
    expect(n.choices[0].finish_reason).toBe('stop');
  });

  it('hermes all-or-nothing fallback over HTTP: one bad block → whole output as content', async () => {
    const bad = `${raw}\n<tool_call>\n{"name": "get_weather", "arguments": {'city': 'Rome'}}\n</tool_call>`;
    const r = (await (await postJson(`${url}/v1/chat/completions`, chat({ sim_script: { raw: bad } }))).json()) as any;
    expect(r.choices[0].message.content).toBe(bad);
    expect(r.choices[0].message.tool_calls).toBeUndefined();
    expect(r.choices[0].finish_reason).toBe('stop');
  });

  it('streams the raw text in small chunks that concatenate exactly (parser none)', async () => {
    const text = 'Exactly this text, with <tool_call> and ünïcödé — nothing else.';
    const events = sseEvents(
      await (
        await postJson(`${url}/v1/chat/completions`, chat({ stream: true, sim_script: { raw: text, parser: 'none' } }))
      ).text(),
    ) as any[];
    const parts = events.filter((e) => e !== '[DONE]').map((e) => e.choices[0]?.delta?.content ?? '');
    expect(parts.join('')).toBe(text);
    expect(parts.filter((p) => p).length).toBeGreaterThan(8);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(12);
  });

  it('streams hermes tool calls from scripted text: content first, then name, then argument fragments', async () => {
    const events = sseEvents(
      await (await postJson(`${url}/v1/chat/completions`, chat({ stream: true, sim_script: { raw } }))).text(),
    ) as any[];
    const deltas = events.filter((e) => e !== '[DONE]' && e.choices.length).map((e) => e.choices[0].delta);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe('Sure.\n');
    const tcs = deltas.flatMap((d) => d.tool_calls ?? []);
    expect(tcs[0].function.name).toBe('get_weather');
    expect(tcs.slice(1).every((t: any) => t.function.name === undefined && t.id === undefined)).toBe(true);
    expect(tcs.map((t: any) => t.function.arguments ?? '').join('')).toBe('{"city": "Paris", "days": 2}');
    expect(events.filter((e) => e !== '[DONE]').at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('http_500 is a vLLM-shaped 500', async () => {
    const res = await postJson(`${url}/v1/chat/completions`, chat({ sim_script: { fault: 'http_500' } }));
    expect(res.status).toBe(500);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ type: 'InternalServerError', code: 500, param: null });
  });

  it('reset_before_first_byte destroys the socket before any byte', async () => {
    const got = await rawRequest(
      `${url}/v1/chat/completions`,
      JSON.stringify(chat({ sim_script: { fault: 'reset_before_first_byte' } })),
    );
    expect(got.error).toBeTruthy();
    expect(got.bytes).toBe(0);
    expect(got.status).toBeUndefined();
  });

  it('reset_mid_stream sends some chunks, then destroys the socket without [DONE]', async () => {
    const got = await rawRequest(
      `${url}/v1/chat/completions`,
      JSON.stringify(
        chat({ stream: true, max_tokens: 40, ignore_eos: true, sim_script: { raw: 'x', fault: 'reset_mid_stream' } }),
      ),
    );
    expect(got.status).toBe(200);
    expect(got.error).toBeTruthy();
    expect(got.body).toContain('data: {');
    expect(got.body).not.toContain('[DONE]');
    // Non-stream: the connection dies instead of the body.
    const ns = await rawRequest(
      `${url}/v1/chat/completions`,
      JSON.stringify(chat({ sim_script: { fault: 'reset_mid_stream' } })),
    );
    expect(ns.error).toBeTruthy();
    expect(ns.status).toBeUndefined();
  });

  it('error_mid_stream: some chunks, then one vLLM error event and [DONE]', async () => {
    const res = await postJson(
      `${url}/v1/chat/completions`,
      chat({ stream: true, max_tokens: 20, ignore_eos: true, sim_script: { raw: 'x', fault: 'error_mid_stream' } }),
    );
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text()) as any[];
    expect(events.at(-1)).toBe('[DONE]');
    const err = events.at(-2);
    expect(err.error).toMatchObject({ type: 'BadRequestError', code: 400, param: null });
    expect(events.filter((e) => e !== '[DONE]' && e.choices).length).toBeGreaterThan(2);
    expect(events.some((e) => e !== '[DONE]' && e.choices?.[0]?.finish_reason)).toBe(false);
  });

  it('stall_ms pauses after the first chunk (stream) and before the response (non-stream)', async () => {
    const body = chat({
      stream: true,
      max_tokens: 5,
      ignore_eos: true,
      sim_script: { raw: 'a b c d e', stall_ms: 300, ttft_ms: 0, itl_ms: 1 },
    });
    const t0 = Date.now();
    const res = await postJson(`${url}/v1/chat/completions`, body);
    const reader = res.body!.getReader();
    const times: number[] = [];
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      times.push(Date.now() - t0);
    }
    expect(times[0]!).toBeLessThan(250);
    expect(times.at(-1)!).toBeGreaterThanOrEqual(290);
    const t1 = Date.now();
    await (
      await postJson(
        `${url}/v1/chat/completions`,
        chat({ max_tokens: 2, sim_script: { stall_ms: 300, ttft_ms: 0, itl_ms: 0 } }),
      )
    ).json();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
  });

  it('invalid sim_script is a 400', async () => {
    const res = await postJson(`${url}/v1/chat/completions`, chat({ sim_script: { fault: 'explode' } }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('sim_script');
  });
});

describe('client disconnects', () => {
  it('increments aborted and frees the request (stream and non-stream)', async () => {
    const before = sim.pods[0]!.stats();
    const abortsBefore = metricValue(
      await (await fetch(`${url}/metrics`)).text(),
      'vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",engine="0",finished_reason="abort"}',
    );
    for (const stream of [true, false]) {
      const res = await fetchAbortable(
        `${url}/v1/chat/completions`,
        chat({ stream, max_tokens: 500, ignore_eos: true, sim_script: { ttft_ms: 10, itl_ms: 20 } }),
        150,
      );
      expect(res).toBe('aborted');
    }
    await sleep(50);
    const after = sim.pods[0]!.stats();
    expect(after.aborted - before.aborted).toBe(2);
    expect(after.running).toBe(0);
    expect(after.completed - before.completed).toBe(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(
      metricValue(
        metrics,
        'vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",engine="0",finished_reason="abort"}',
      ) - abortsBefore,
    ).toBe(2);
  });
});

async function fetchAbortable(u: string, body: unknown, abortAfterMs: number): Promise<string> {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), abortAfterMs);
  try {
    const res = await fetch(u, { method: 'POST', body: JSON.stringify(body), signal: ac.signal });
    await res.arrayBuffer();
    return 'completed';
  } catch {
    return 'aborted';
  }
}

/** A raw node:http request that reports how far it got before the socket died. */
function rawRequest(u: string, body: string): Promise<{ status?: number; body: string; bytes: number; error?: Error }> {
  return new Promise((resolve) => {
    const out: { status?: number; body: string; bytes: number; error?: Error } = { body: '', bytes: 0 };
    const req = request(u, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      out.status = res.statusCode;
      res.on('data', (c: Buffer) => {
        out.bytes += c.length;
        out.body += c.toString();
      });
      res.on('end', () => resolve(out));
      res.on('error', (e) => resolve({ ...out, error: e }));
      res.on('aborted', () => resolve({ ...out, error: new Error('aborted') }));
    });
    req.on('error', (e) => resolve({ ...out, error: e }));
    req.end(body);
  });
}
