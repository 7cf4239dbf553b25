// https:// upstreams: a pod behind TLS with a certificate from a private CA is served once the
// pool trusts that CA (`pools.<name>.tls.caFile`); without it the pod is unreachable and the
// gateway says so (503, /ready 503) instead of crashing. The certificates in fixtures/tls were made
// with openssl: a P-256 CA (100 years, its key discarded) and a server certificate for
// 127.0.0.1/localhost signed by it.
import { createServer as createHttpsServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { resolveConfig } from '../../src/config/load.js';
import { Router } from '../../src/routing/router.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { sseData } from '../helpers/stack.js';
import { forwardTo } from '../helpers/net.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tls');
const CA = path.join(FIXTURES, 'ca.pem');
const MODEL = 'Qwen/Qwen3-0.6B';

/** TLS termination in front of an http pod, as an ingress or a pod's own --ssl-certfile would do. */
async function tlsFront(target: string): Promise<{ url: string; server: Server }> {
  const server = createHttpsServer(
    { key: readFileSync(path.join(FIXTURES, 'server.key')), cert: readFileSync(path.join(FIXTURES, 'server.pem')) },
    forwardTo(target),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('TLS upstreams', () => {
  let sim: SimCluster;
  let front: { url: string; server: Server };
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    sim = await startSim({ port: 0, pods: 1, profile: { kind: 'fixed', ttftMs: 2, itlMs: 1 } });
    front = await tlsFront(sim.urls[0]!);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    front.server.closeAllConnections();
    front.server.close();
    await sim.close();
  });

  const start = async (tls?: { caFile: string }) => {
    const cfg = resolveConfig({
      server: { host: '127.0.0.1', port: 0 },
      pools: { default: { backends: [{ url: front.url }], ...(tls ? { tls } : {}) } },
    });
    const g = await startGateway(cfg, { logger: createLogger({}, 'silent') });
    gateways.push(g);
    return g;
  };
  const chat = (g: Gateway, stream: boolean) =>
    fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('serves through a pod behind TLS when the pool trusts its CA', async () => {
    const g = await start({ caFile: CA });
    expect((await fetch(`${g.url}/ready`)).status).toBe(200);
    const whole = await chat(g, false);
    expect(whole.status).toBe(200);
    expect(((await whole.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    const stream = await chat(g, true);
    const text = await stream.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sseData(text).length).toBeGreaterThan(1);
  });

  it('refuses a certificate it cannot verify: 503 and not ready, no crash', async () => {
    const g = await start();
    expect((await fetch(`${g.url}/ready`)).status).toBe(503);
    // The model is still resolvable by alias-free name only through probes; ask for it anyway.
    const res = await chat(g, false);
    expect([404, 503]).toContain(res.status);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message.length).toBeGreaterThan(0);
    expect((await fetch(`${g.url}/health`)).status).toBe(200);
  });

  it('names the key when the CA file cannot be read', () => {
    const cfg = resolveConfig({
      pools: { default: { backends: [{ url: front.url }], tls: { caFile: '/nonexistent/ca.pem' } } },
    });
    expect(
      () => new Router(cfg, createMetrics(undefined, { defaultMetrics: false }), createLogger({}, 'silent')),
    ).toThrow(/\/pools\/default\/tls\/caFile: cannot read/);
  });
});
