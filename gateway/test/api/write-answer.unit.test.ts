// writeAnswer (render-chat.ts) against a real Node server and client sockets: a stream is written
// only as fast as the client reads (the steps are not pulled while the socket's buffer is full),
// every byte arrives in order, a client that leaves mid-stream cancels the answer once, and the
// headers a middleware added go out with the first event.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer, AnswerSteps } from '../../src/api/exchanger.js';
import type { FlowStep } from '../../src/api/answer-flow.js';
import { writeAnswer } from '../../src/api/render-chat.js';

const EVENT = `data: ${'x'.repeat(16 * 1024 - 8)}\n\n`;

/** A stream of `count` raw events; records how far ahead of the socket it was pulled. */
function rawSteps(count: number, out: () => ServerResponse | null) {
  let sent = 0;
  const seen = { cancels: 0, maxBuffered: 0, pulls: 0 };
  const steps: AnswerSteps = {
    async next(): Promise<FlowStep> {
      seen.pulls++;
      const res = out();
      if (res) seen.maxBuffered = Math.max(seen.maxBuffered, res.writableLength);
      await new Promise((r) => setImmediate(r));
      if (sent === count) return { type: 'end' };
      sent++;
      return { type: 'out', chunks: [], raw: EVENT };
    },
    cancel() {
      seen.cancels++;
    },
  };
  return { steps, seen };
}

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = null;
});

async function serve(handler: (res: ServerResponse) => void): Promise<number> {
  server = createServer((_req, res) => handler(res));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function get(port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/' }, resolve);
    req.on('error', reject);
    req.end();
  });
}

const streamAnswer = (steps: AnswerSteps): Answer => ({
  type: 'stream',
  headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-toolgate-backend': 'pod-a' },
  steps,
});

describe('writeAnswer', () => {
  it('holds a stream back while the client does not read, and delivers every byte in order', async () => {
    const COUNT = 4000; // 64 MB: far more than the socket buffers on both sides hold
    let res: ServerResponse | null = null;
    const { steps, seen } = rawSteps(COUNT, () => res);
    const port = await serve((r) => {
      res = r;
      writeAnswer(streamAnswer(steps), r, { 'x-ratelimit-remaining-requests': '4' });
    });
    const answer = await get(port);
    expect(answer.headers['x-ratelimit-remaining-requests']).toBe('4');
    expect(answer.headers['x-toolgate-backend']).toBe('pod-a');
    answer.pause();
    await new Promise((r) => setTimeout(r, 500)); // the client reads nothing for a while
    const pulledWhileStalled = seen.pulls;
    // Only what fits in the kernel's and Node's buffers was pulled, not the whole answer.
    expect(pulledWhileStalled).toBeLessThan(COUNT / 4);
    let received = 0;
    let ordered = true;
    answer.setEncoding('utf8');
    let tail = '';
    for await (const piece of answer) {
      const text = tail + (piece as string);
      received += (piece as string).length;
      ordered &&= /^(data: x*\n\n)*(data: x*)?$/.test(text.replace(/data: \[DONE\]\n\n$/, ''));
      tail = text.slice(text.lastIndexOf('data: '));
    }
    expect(ordered).toBe(true);
    expect(received).toBe(EVENT.length * COUNT + 'data: [DONE]\n\n'.length);
    expect(tail).toBe('data: [DONE]\n\n');
    expect(seen.maxBuffered).toBeLessThan(1024 * 1024);
    expect(seen.cancels).toBe(0);
  }, 30_000);

  it('cancels the answer once when the client leaves mid-stream, and pulls no more', async () => {
    let res: ServerResponse | null = null;
    const { steps, seen } = rawSteps(10_000, () => res);
    const closed = new Promise<void>((resolve) => {
      void serve((r) => {
        res = r;
        r.on('close', () => setTimeout(resolve, 50));
        writeAnswer(streamAnswer(steps), r);
      }).then(async (port) => {
        const answer = await get(port);
        answer.once('data', () => answer.destroy());
      });
    });
    await closed;
    const pulls = seen.pulls;
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.cancels).toBe(1);
    expect(seen.pulls).toBe(pulls);
    expect(pulls).toBeLessThan(10_000);
  });

  it('writes a whole answer with its length, and an error in OpenAI shape', async () => {
    const answers: Answer[] = [
      { type: 'whole', status: 200, headers: { 'content-type': 'application/json' }, text: '{"ü":1}', json: null },
      {
        type: 'error',
        status: 502,
        headers: { 'content-type': 'application/json' },
        body: { error: { message: 'bad', type: 'upstream_error', param: null, code: 'upstream_reset' } },
      },
    ];
    let i = 0;
    const port = await serve((r) => writeAnswer(answers[i++]!, r, { 'x-ratelimit-limit-requests': '5' }));
    const whole = await get(port);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-length']).toBe(String(Buffer.byteLength('{"ü":1}')));
    expect(whole.headers['x-ratelimit-limit-requests']).toBe('5');
    whole.resume();
    const error = await get(port);
    expect(error.statusCode).toBe(502);
    let text = '';
    for await (const piece of error) text += String(piece);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_reset', type: 'upstream_error' } });
  });
});
