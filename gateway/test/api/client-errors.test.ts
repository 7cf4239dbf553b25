// What Node's HTTP parser refuses before the app sees a request (headers over the size limit,
// a malformed request line) is answered in OpenAI's error shape with Node's own status, and the
// gateway serves the next connection as usual.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

/** Sends raw bytes on a new connection; resolves with everything the server wrote before closing. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.end(bytes);
  });
}

function parse(reply: string): { status: number; body: { error: Record<string, unknown> } } {
  const [head, body] = reply.split('\r\n\r\n');
  return { status: Number(head!.split(' ')[1]), body: JSON.parse(body!) as { error: Record<string, unknown> } };
}

describe('errors from the HTTP parser', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 1, itlMs: 1 } }]);
  });
  afterAll(async () => stack?.close());

  it('headers over the limit → 431 in OpenAI shape', async () => {
    const reply = parse(
      await raw(
        stack.gateway.port,
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(40_000)}\r\n\r\n`,
      ),
    );
    expect(reply.status).toBe(431);
    expect(reply.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'request_headers_too_large',
      param: null,
    });
  });

  it('a malformed request → 400 in OpenAI shape', async () => {
    const reply = parse(await raw(stack.gateway.port, 'NOT A REQUEST\r\n\r\n'));
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', code: 'malformed_request' });
  });

  it('still serves afterwards', async () => {
    expect((await fetch(`${stack.gateway.url}/health`)).status).toBe(200);
  });
});
