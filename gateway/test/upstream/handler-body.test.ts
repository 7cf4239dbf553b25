// dispatchWithHandler (upstream/handler-body.ts) against a real HTTP server through a real undici
// Pool: a body in many chunks (one multi-byte character split across two), an abort before the
// response and one while the body is read, a reset mid-body, and dump() keeping the connection.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchWithHandler } from '../../src/upstream/handler-body.js';

let server: Server;
let pool: Pool;
const connections = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    connections.add(`${req.socket.remotePort}`);
    if (req.url === '/split') {
      const text = Buffer.from('{"word":"naïve"}');
      const cut = text.indexOf(0xc3) + 1; // inside the two bytes of ï
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(text.subarray(0, cut));
      setTimeout(() => res.end(text.subarray(cut)), 20);
    } else if (req.url === '/hang') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    } else if (req.url === '/reset') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"cut":');
      setTimeout(() => req.socket.destroy(), 20);
    } else if (req.url === '/big') {
      // 2 MiB in 64 KiB writes, as fast as the socket takes them: the reader below is slower
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const more = () => {
        while (i < 32) {
          const ok = res.write(Buffer.alloc(64 * 1024, 97 + (i++ % 26)));
          if (!ok) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    } else if (req.url === '/never') {
      // no answer at all
    } else {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"busy"}'.repeat(100));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const get = (path: string, signal = new AbortController().signal) =>
  dispatchWithHandler(pool, { path, method: 'GET', headersTimeout: 5000, bodyTimeout: 5000 }, signal);

describe('dispatchWithHandler', () => {
  it('resolves at the headers and reads a body that arrives in pieces, characters intact', async () => {
    const res = await get('/split');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(await res.body.text())).toEqual({ word: 'naïve' });
  });

  it('an abort before the response rejects the dispatch with the signal’s reason', async () => {
    const ac = new AbortController();
    const pending = get('/never', ac.signal);
    setTimeout(() => ac.abort(new Error('client left')), 30);
    await expect(pending).rejects.toThrow('client left');
  });

  it('an abort while the body is read fails text(), and destroy() does the same', async () => {
    const ac = new AbortController();
    const res = await get('/hang', ac.signal);
    const text = res.body.text();
    ac.abort(new Error('total timeout'));
    await expect(text).rejects.toThrow('total timeout');
    const again = await get('/hang');
    const t2 = again.body.text();
    again.body.destroy(new Error('gone'));
    await expect(t2).rejects.toThrow('gone');
  });

  it('a reset mid-body fails text() with undici’s error', async () => {
    const res = await get('/reset');
    await expect(res.body.text()).rejects.toThrow();
  });

  it('iterates a large body slower than it arrives: every byte once, in order (paused, then resumed)', async () => {
    const res = await get('/big');
    const seen: Buffer[] = [];
    for await (const chunk of res.body) {
      seen.push(chunk);
      if (seen.length % 8 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const all = Buffer.concat(seen);
    expect(all.length).toBe(32 * 64 * 1024);
    for (let i = 0; i < 32; i++) expect(all[i * 64 * 1024]).toBe(97 + (i % 26));
  });

  it('leaving the iteration early stops the request', async () => {
    const res = await get('/big');
    for await (const _chunk of res.body) break;
    await expect(res.body.text()).rejects.toThrow('body destroyed');
  });

  it('dump() drops the body and leaves the connection reusable', async () => {
    connections.clear();
    const res = await get('/busy');
    expect(res.status).toBe(503);
    await res.body.dump();
    const next = await get('/split');
    expect(JSON.parse(await next.body.text())).toEqual({ word: 'naïve' });
    expect(connections.size).toBe(1); // the same keep-alive connection served both
  });
});
