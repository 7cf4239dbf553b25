// An upstream that answers in shapes no vLLM sends (issue 18, finding 7): the gateway maps each to
// a 502 (nothing reached the client yet) or to one error event and [DONE] (after the stream
// started), never a 500, a reset or a leaked in-flight count; an event without terminator is
// bounded; a flood of one-character deltas is read in linear time. The upstream here is a raw HTTP
// server because the point is shapes vLLM itself never produces.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { sseData } from '../helpers/stack.js';

const MODEL = 'odd-model';
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** 100k one-character deltas inside one call (built once, before any timing). */
let flood = '';

/** MiB the unterminated event had sent when the gateway hung up. */
let unterminatedSent = 0;

/** What the fake upstream answers, chosen per request by the last user message. */
const behaviours: Record<string, (res: ServerResponse) => void> = {
  'null-choice': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[null]}'),
  'string-message': (res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end('{"choices":[{"index":0,"message":"hello","finish_reason":"stop"}]}'),
  'not-json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>'),
  'stream-null-choice': (res) =>
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {"choices":[null]}\n\ndata: [DONE]\n\n'),
  'stream-odd-later': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: 'Hello' }));
    setTimeout(() => res.end('data: {"choices":"x"}\n\ndata: [DONE]\n\n'), 20);
  },
  'stream-unterminated': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: 'Hi' }));
    const blob = 'x'.repeat(1024 * 1024);
    let sent = 0;
    unterminatedSent = 0;
    const push = () => {
      if (res.destroyed || sent >= 64) return res.end();
      unterminatedSent = ++sent;
      res.write(sent === 1 ? `data: ${blob}` : blob, () => setImmediate(push));
    };
    push();
  },
  'stream-char-flood': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(flood);
  },
};

describe('odd upstream answers', () => {
  let upstream: Server;
  let gateway: Gateway;
  beforeAll(async () => {
    const parts = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "' }),
    ];
    for (let i = 0; i < 100_000; i++) parts.push(chunk({ content: 'a' }));
    flood = parts.join('') + chunk({ content: '"}}\n</tool_call>' }) + chunk({}, 'stop') + 'data: [DONE]\n\n';
    upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/health') return void res.writeHead(200).end();
      if (req.url === '/v1/models')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] }));
      if (req.method !== 'POST') return void res.writeHead(404).end();
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { messages: Array<{ content: string }> };
        const which = body.messages.at(-1)!.content;
        (behaviours[which] ?? behaviours['null-choice']!)(res);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = await startGateway(
      resolveConfig({
        server: { host: '127.0.0.1', port: 0 },
        upstreams: [url],
        retry: { attempts: 0 },
        health: { intervalMs: 60_000 },
        // The single pod must stay eligible however often it answers oddly: health is not tested here.
        pools: { default: { ejection: { consecutiveFailures: 1000 } } },
      }),
      { logger: createLogger({}, 'silent') },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  const post = (which: string, stream: boolean) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-toolgate-policy': 'repair' },
      body: JSON.stringify({ model: MODEL, stream, tools, messages: [{ role: 'user', content: which }] }),
    });
  const inflight = () => gateway.router.allBackends().reduce((n, b) => n + b.inflight, 0);

  it('a whole answer that is not a completion is a 502 in OpenAI shape', async () => {
    for (const which of ['null-choice', 'string-message', 'not-json']) {
      const res = await post(which, false);
      expect(res.status, which).toBe(502);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(body.error.code).toBe('upstream_bad_response');
    }
    expect(inflight()).toBe(0);
  });

  it('a stream whose first event is not a chunk is a 502 before anything is sent', async () => {
    const res = await post('stream-null-choice', true);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_bad_response');
    expect(inflight()).toBe(0);
  });

  it('a stream that turns odd later ends with one error event and [DONE]', async () => {
    const res = await post('stream-odd-later', true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseData(text) as Array<{ error?: { code: string } }>;
    expect(events.at(-1)!.error?.code).toBe('bad_response');
    expect(inflight()).toBe(0);
  });

  it('an event without terminator is cut off at the bound, not buffered whole', async () => {
    const res = await post('stream-unterminated', true);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((sseData(text).at(-1) as { error?: { code: string } }).error?.code).toBe('bad_response');
    // 64 MiB were on offer; the gateway stopped reading (and hung up) at its 8 MiB event bound.
    expect(unterminatedSent).toBeLessThan(24);
    expect(inflight()).toBe(0);
  });

  it('a flood of one-character deltas inside a call is read whole and checked, without stalling the gateway', async () => {
    // /health must keep answering while the gateway reads the flood (the held call grows by one
    // character per event: quadratic accumulation stalled the event loop for seconds).
    let worst = 0;
    let reading = true;
    const probe = (async () => {
      while (reading) {
        const t0 = performance.now();
        await (await fetch(`${gateway.url}/health`)).arrayBuffer();
        worst = Math.max(worst, performance.now() - t0);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const res = await post('stream-char-flood', true);
    const text = await res.text();
    reading = false;
    await probe;
    expect(worst).toBeLessThan(1000);
    const events = sseData(text) as Array<{
      choices?: Array<{ delta?: { tool_calls?: Array<{ function: { arguments: string } }> } }>;
    }>;
    const args = events
      .flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? [])
      .map((t) => JSON.parse(t.function.arguments) as { city: string });
    expect(args).toHaveLength(1);
    expect(args[0]!.city).toHaveLength(100_000);
  });
});
