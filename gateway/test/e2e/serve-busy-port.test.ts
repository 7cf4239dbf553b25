// `toolgate serve` on a port that is already taken (issue 18 finding 11): one clear line on
// stderr, exit code 1, and no simulated pods left running; startGateway itself rejects with a
// ListenError and stops what it had started.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { ListenError, startGateway } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { freePort, spawnToolgate, stopProcess } from '../helpers/net.js';

describe('a busy listen port', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    blocker = createServer((s) => s.end('not a gateway\n'));
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  });
  afterAll(async () => new Promise<void>((r) => blocker.close(() => r())));

  it('toolgate serve: one line on stderr, exit 1, before any simulated pod starts', async () => {
    const child = spawnToolgate(['serve', '--host', '127.0.0.1', '--port', String(port)], { LOG_LEVEL: 'info' });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => void stopProcess(child, 'SIGKILL').then(() => resolve(null)), 45_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const out = child.output();
    expect(code, out).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toEqual([
      `toolgate serve: cannot listen on 127.0.0.1:${port}: the address is already in use (is another gateway or server running there?)`,
    ]);
    expect(out).not.toMatch(/simulator|Error:|at .*\.(ts|js):\d+/);
  });

  it('startGateway rejects with a ListenError and leaves nothing running', async () => {
    // An upstream that counts every request it gets (health probes, model lists, scrapes).
    let hits = 0;
    const upstream = createHttpServer((req, res) => {
      hits++;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(req.url === '/v1/models' ? '{"object":"list","data":[{"id":"m","object":"model"}]}' : '{}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      const cfg = resolveConfig({ server: { host: '127.0.0.1', port }, upstreams: [url], health: { intervalMs: 100 } });
      const err = await startGateway(cfg, { logger: createLogger({}, 'silent') }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ListenError);
      expect((err as ListenError).code).toBe('EADDRINUSE');
      expect(hits).toBeGreaterThan(0); // it did start probing before the listen failed
      const before = hits;
      await new Promise((r) => setTimeout(r, 500)); // a health checker left running would probe every 100 ms
      expect(hits).toBe(before);
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });
});
