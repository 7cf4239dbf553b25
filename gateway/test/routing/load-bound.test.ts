// The load bound under a synthetic hot tenant: every request shares one system prompt and tool
// set, so affinity alone would pile them all on one pod. At every routing decision of the real
// gateway, the backend that takes the request must stay within ⌈(1+ε)·mean⌉ + 1 in flight
// (mean including this request); without the bound it does not. The bound is an admission rule:
// a backend already above it (because requests elsewhere finished) simply gets no more.
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import type { Router } from '../../src/routing/router.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const EPS = 0.25;
const hot = {
  tools: [{ type: 'function', function: { name: 'hot', parameters: { type: 'object' } } }],
  system: { role: 'system', content: 'Hot tenant. '.repeat(50) },
};

/** Records, right after each decision, the in-flight counts including the request just routed. */
function recordDecisions(router: Router): Array<{ loads: number[]; picked: number }> {
  const snapshots: Array<{ loads: number[]; picked: number }> = [];
  const original = router.pick.bind(router);
  router.pick = (pool, ctx) => {
    const pick = original(pool, ctx);
    const loads = pool.backends.map((b) => b.inflight + (b === pick?.backend ? 1 : 0));
    snapshots.push({ loads, picked: pick ? loads[pool.backends.indexOf(pick.backend)]! : 0 });
    return pick;
  };
  return snapshots;
}
const limit = (loads: number[]) => Math.ceil(((1 + EPS) * loads.reduce((a, b) => a + b, 0)) / loads.length) + 1;

async function flood(stack: Stack, n: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 4 + (i % 7) * 4,
          tools: hot.tools,
          messages: [hot.system, { role: 'user', content: `q${i}` }],
        }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('bounded load', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  const start = (bounded: boolean) =>
    startStack([{ pods: 4, profile: { kind: 'fixed', ttftMs: 40, itlMs: 5 } }], {
      pools: { default: { policy: { type: 'prefix', epsilon: EPS, bounded } } },
      // Routing alone: the short max_tokens cut calls off, and the retry policy's re-asks go to
      // the same pod without a routing decision, which would blur the per-pod counts.
      toolcalls: { policy: 'off' },
    });

  it('holds ⌈(1+ε)·mean⌉ + 1 for a hot tenant', async () => {
    stack = await start(true);
    const snaps = recordDecisions(stack.gateway.router);
    const base = stack.sims[0]!.pods.map((p) => p.stats().completed); // start-up probes
    await flood(stack, 160, 24);
    expect(snaps.length).toBeGreaterThanOrEqual(160);
    const worst = Math.max(...snaps.map((s) => s.picked - limit(s.loads)));
    expect(worst).toBeLessThanOrEqual(0);
    // The load was spread: with 24 in flight and a cap of ⌈1.25·6⌉ = 8 per pod, at least three pods
    // share the hot tenant (which pods beyond the third get traffic depends on timing).
    const served = stack.sims[0]!.pods.map((p, i) => p.stats().completed - base[i]!);
    expect(Math.max(...served)).toBeLessThan(160 * 0.5);
    expect(served.filter((n) => n > 10).length).toBeGreaterThanOrEqual(3);
  });

  it('without the bound, the hot tenant piles onto one pod (the check above can fail)', async () => {
    stack = await start(false);
    const snaps = recordDecisions(stack.gateway.router);
    const base = stack.sims[0]!.pods.map((p) => p.stats().completed); // start-up probes
    await flood(stack, 60, 24);
    const over = snaps.filter((s) => s.picked > limit(s.loads));
    expect(over.length).toBeGreaterThan(0);
    const served = stack.sims[0]!.pods.map((p, i) => p.stats().completed - base[i]!).sort((a, b) => b - a);
    expect(served[0]).toBe(60);
  });
});
