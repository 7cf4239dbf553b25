// Passive health that a client cannot game (issue 18, finding 8). The probe: a request the pods
// answer with 500 (an assistant message with "tool_calls": "x", or any request-specific upstream
// error) was retried on the other pod and both counted as backend failures — 3 such requests
// flipped /ready, one per second kept the pool ejected (289 of 291 ordinary requests got 503),
// eight scripted 500s ejected both pods. Here the same request failing on two pods counts against
// neither, genuine pod failures still eject, and when too much of a pool is ejected the gateway
// routes to all of it (Envoy's healthy panic threshold) instead of answering 503.
// `sim_script.fault: "http_500"` makes whichever pod gets the request answer 500: a request-specific error.
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const fast = { kind: 'fixed' as const, ttftMs: 5, itlMs: 1 };
const ordinary = (i: number) => ({
  model: MODEL,
  max_tokens: 4,
  messages: [{ role: 'user', content: `ordinary ${i}` }],
});
const scripted500 = (i: number) => ({
  model: MODEL,
  messages: [{ role: 'user', content: `bad ${i}` }],
  sim_script: { fault: 'http_500' },
});
const probeShape = (i: number) => ({
  model: MODEL,
  messages: [
    { role: 'user', content: `q${i}` },
    { role: 'assistant', content: null, tool_calls: 'x' },
  ],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(stack: Stack, body: unknown): Promise<number> {
  const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}
const readyStatus = async (stack: Stack) => (await fetch(`${stack.gateway.url}/ready`)).status;
const eligible = (stack: Stack) => stack.gateway.router.allBackends().filter((b) => b.healthy).length;

describe('passive health a client cannot game', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('3 request-specific 500s (failing on both pods) do not flip /ready or eject a pod', async () => {
    stack = await startStack([{ pods: 2, profile: fast }]);
    for (let i = 0; i < 3; i++) expect(await post(stack, scripted500(i))).toBeGreaterThanOrEqual(500);
    expect(eligible(stack)).toBe(2);
    expect(await readyStatus(stack)).toBe(200);
    expect(await post(stack, ordinary(0))).toBe(200);
  });

  it('the probe shape (tool_calls: "x") is a 400 at the gateway and costs the pods nothing', async () => {
    stack = await startStack([{ pods: 2, profile: fast }]);
    for (let i = 0; i < 3; i++) expect(await post(stack, probeShape(i))).toBe(400);
    expect(eligible(stack)).toBe(2);
    expect(await readyStatus(stack)).toBe(200);
  });

  it('eight scripted 500s eject neither pod', async () => {
    stack = await startStack([{ pods: 2, profile: fast }]);
    for (let i = 0; i < 8; i++) await post(stack, scripted500(i));
    expect(eligible(stack)).toBe(2);
    const gauge = await stack.gateway.metrics.registry.getSingleMetricAsString('toolgate_backend_healthy');
    expect(gauge).not.toMatch(/\} 0$/m);
  });

  it('a burst then a steady trickle of bad requests does not cost ordinary requests anything', async () => {
    stack = await startStack([{ pods: 2, profile: fast }]);
    const s = stack;
    // As the probe: three in a row (which ejected both pods), then one at a time, each of which
    // re-ejected the pods on probation with a doubled backoff.
    for (let i = 0; i < 3; i++) await post(s, scripted500(i));
    let stop = false;
    const bad = (async () => {
      for (let i = 3; !stop; i++) {
        await post(s, scripted500(i));
        await sleep(300);
      }
    })();
    const statuses: number[] = [];
    const readies: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 3 }, async (_, w) => {
        for (let i = 0; Date.now() - started < 2500; i++) {
          statuses.push(await post(s, ordinary(w * 1000 + i)));
          if (i % 5 === 0) readies.push(await readyStatus(s));
        }
      }),
    );
    stop = true;
    await bad;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((st) => st !== 200)).toEqual([]);
    expect(readies.filter((st) => st !== 200)).toEqual([]);
  });
});

describe('genuine pod failures still eject', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('a pod answering 500 to every request is ejected; clients get their answers from the other', async () => {
    stack = await startStack([
      { pods: 1, profile: fast, faults: { rates: { http_500: 1 } } },
      { pods: 1, profile: fast },
    ]);
    const sick = stack.gateway.router.allBackends().find((b) => b.url === stack!.sims[0]!.urls[0])!;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await post(stack, ordinary(i)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sick.healthy).toBe(false);
  });

  it('a pod resetting every connection is ejected', async () => {
    stack = await startStack([
      { pods: 1, profile: fast, faults: { rates: { reset_before_first_byte: 1 } } },
      { pods: 1, profile: fast },
    ]);
    const sick = stack.gateway.router.allBackends().find((b) => b.url === stack!.sims[0]!.urls[0])!;
    for (let i = 0; i < 12; i++) expect(await post(stack, ordinary(i))).toBe(200);
    expect(sick.healthy).toBe(false);
  });

  it('without retries, 5xx on several different requests still eject a pod', async () => {
    stack = await startStack(
      [
        { pods: 1, profile: fast, faults: { rates: { http_500: 1 } } },
        { pods: 1, profile: fast },
      ],
      {
        retry: { attempts: 0 },
        pools: { default: { policy: { type: 'round_robin' } } },
      },
    );
    const sick = stack.gateway.router.allBackends().find((b) => b.url === stack!.sims[0]!.urls[0])!;
    for (let i = 0; i < 8 && sick.healthy; i++) await post(stack, ordinary(i));
    expect(sick.healthy).toBe(false);
  });
});

describe('healthy panic threshold', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('routes to the whole pool instead of answering 503 when too much of it is ejected', async () => {
    // No retries: request-specific 500s cannot be told apart from pod failures and do eject;
    // the pods are fine, so traffic must still flow to them.
    stack = await startStack([{ pods: 2, profile: fast }], {
      retry: { attempts: 0 },
      pools: { default: { policy: { type: 'round_robin' } } },
    });
    for (let i = 0; i < 8; i++) await post(stack, scripted500(i));
    expect(eligible(stack)).toBe(0);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await post(stack, ordinary(i)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await readyStatus(stack)).toBe(200);
    const served = stack.sims[0]!.pods.map((p) => p.stats().completed);
    expect(served.every((n) => n > 0)).toBe(true);
  });

  it('keeps routing to eligible pods only while enough of the pool is eligible', async () => {
    stack = await startStack([{ pods: 4, profile: fast }], { pools: { default: { policy: { type: 'round_robin' } } } });
    const [out] = stack.gateway.router.allBackends();
    out!.breaker.eject(Date.now()); // 3 of 4 eligible: above the 50 % threshold
    const before = stack.sims[0]!.pods[0]!.stats().requests;
    for (let i = 0; i < 8; i++) expect(await post(stack, ordinary(i))).toBe(200);
    expect(stack.sims[0]!.pods[0]!.stats().requests).toBe(before);
  });

  it('a pool whose pods are really down still answers 503 and /ready says so', async () => {
    stack = await startStack([{ pods: 2, profile: fast }]);
    await Promise.all(stack.sims.map((s) => s.close()));
    expect(await post(stack, ordinary(0))).toBe(503);
    expect(await readyStatus(stack)).toBe(503);
  });
});
