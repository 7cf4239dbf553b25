// A hot-tenant burst, made the way the probe made it (issue 18, finding 9): 40 concurrent real
// requests of one tenant (same tools and system prompt) through the built `toolgate serve` in
// front of 4 simulated pods. The probe saw 15 in flight on one pod (bound ⌈1.25·40/4⌉ = 13) and
// none on the fourth. Measured at the pods themselves (requests received and not finished),
// sampled on every turn of this process's event loop: no pod may ever hold more than 13, and
// every pod takes part. The second case gives one pod a /health that answers late every other
// time, as a busy host does, and starts the burst just after such a probe: one late probe used
// to drop the pod until the next one, so the other three took its share (up to ⌈1.25·40/3⌉ = 17).
// The third runs the gateway with two workers, whose requests arrive in the same instant.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { serveBuilt, type BuiltGateway } from '../helpers/built-bin.js';
import { forwardTo } from '../helpers/net.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const BURST = 40;
const PODS = 4;
const BOUND = Math.ceil((1.25 * BURST) / PODS); // 13
const tools = [
  {
    type: 'function',
    function: {
      name: 'lookup_order',
      parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    },
  },
];
const system = {
  role: 'system',
  content: 'You are the order desk of ACME. Answer briefly and use the tools. '.repeat(8),
};

/**
 * Forwards everything to `target`, but answers every other GET /health only after `delayMs`
 * (a probe that times out, then one that passes); `slowProbe` resolves when a late one starts.
 */
async function slowHealthProxy(
  target: string,
  delayMs: number,
): Promise<{ url: string; server: Server; slowProbe: () => Promise<void> }> {
  const forward = forwardTo(target);
  let healthChecks = 0;
  let onSlow: (() => void) | null = null;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health' && healthChecks++ % 2 === 1) {
      onSlow?.();
      setTimeout(() => forward(req, res), delayMs);
    } else forward(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const slowProbe = () =>
    new Promise<void>((r) => {
      onSlow = () => {
        onSlow = null;
        r();
      };
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, slowProbe };
}

async function burst(
  gateway: BuiltGateway,
  sim: SimCluster,
): Promise<{ peak: number[]; peakTotal: number; statuses: number[] }> {
  const peak = new Array<number>(PODS).fill(0);
  let peakTotal = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      let total = 0;
      sim.pods.forEach((p, i) => {
        const s = p.stats();
        const inFlight = s.requests - s.completed - s.aborted;
        peak[i] = Math.max(peak[i]!, inFlight);
        total += inFlight;
      });
      peakTotal = Math.max(peakTotal, total);
      await new Promise((r) => setImmediate(r));
    }
  })();
  const statuses = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 8,
          tools,
          messages: [system, { role: 'user', content: `Where is order ${1000 + i}?` }],
        }),
      });
      await res.arrayBuffer();
      return res.status;
    }),
  );
  sampling = false;
  await sampler;
  return { peak, peakTotal, statuses };
}

/** Every request answered, the whole burst in flight at once, ≤ BOUND on every pod, every pod used. */
function expectBoundHeld(r: { peak: number[]; peakTotal: number; statuses: number[] }): void {
  expect(r.statuses.every((s) => s === 200)).toBe(true);
  expect(r.peakTotal, 'the burst was not in flight all at once').toBe(BURST);
  expect(Math.max(...r.peak), `peak in flight per pod: ${r.peak.join(', ')}`).toBeLessThanOrEqual(BOUND);
  expect(Math.min(...r.peak), `peak in flight per pod: ${r.peak.join(', ')}`).toBeGreaterThan(0);
}

describe('hot-tenant burst across 4 pods', () => {
  let gateway: BuiltGateway | null = null;
  let sim: SimCluster | null = null;
  let proxy: Server | null = null;
  afterEach(async () => {
    await gateway?.stop();
    await sim?.close();
    proxy?.close();
    proxy?.closeAllConnections();
    gateway = null;
    sim = null;
    proxy = null;
  });

  // A first token this late keeps the whole burst in flight at once, even on a loaded machine.
  const profile = { kind: 'fixed' as const, ttftMs: 20_000, itlMs: 5 };

  it(`never holds more than ⌈1.25·${BURST}/${PODS}⌉ = ${BOUND} on a pod, and uses every pod`, async () => {
    sim = await startSim({ port: 0, pods: PODS, profile });
    gateway = await serveBuilt({ upstreams: sim.urls });
    expectBoundHeld(await burst(gateway, sim));
  }, 180_000);

  it('holds the same bound over two worker processes, each taking part of the burst', async () => {
    // Each worker learns of its sibling's requests only through the primary; the primary places
    // every bounded pick on both workers' counts (cluster/load-arbiter.ts).
    sim = await startSim({ port: 0, pods: PODS, profile });
    gateway = await serveBuilt({ upstreams: sim.urls, server: { workers: 2 } });
    expectBoundHeld(await burst(gateway, sim));
  }, 180_000);

  it('holds the same bound when one pod answers every other health probe late', async () => {
    sim = await startSim({ port: 0, pods: PODS, profile });
    const slow = await slowHealthProxy(sim.urls[3]!, 1500);
    proxy = slow.server;
    gateway = await serveBuilt({
      upstreams: [...sim.urls.slice(0, 3), slow.url],
      health: { intervalMs: 2000, timeoutMs: 300 },
    });
    // The burst starts just after a probe of the fourth pod timed out; the next one passes.
    await slow.slowProbe();
    await new Promise((r) => setTimeout(r, 400));
    expectBoundHeld(await burst(gateway, sim));
  }, 180_000);
});
