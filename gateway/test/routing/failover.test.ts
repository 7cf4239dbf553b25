// Health in action: a pod killed mid-run (no request lost, streams cut mid-way end with an
// error event, the pod is ejected and re-admitted when it comes back) and a stalling pod that
// the bound starves of traffic.
import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../../../loadtest/src/sim/index.js';
import { sseData, startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const body = (i: number, stream: boolean) => ({
  model: MODEL,
  stream,
  max_tokens: 80, // room for the thinking block and the whole call (a cut call would be re-asked)
  tools: [{ type: 'function', function: { name: `t${i % 9}`, parameters: { type: 'object' } } }],
  messages: [
    { role: 'system', content: `tenant ${i % 9}` },
    { role: 'user', content: `request ${i}` },
  ],
});
const post = (url: string, b: unknown) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(b),
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a streamed answer whole, listing it in `mid` (by its backend) between its first bytes and its end. */
async function readStream(r: Response, i: number, mid: Map<number, string>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if (!text.includes('data: [DONE]')) mid.set(i, r.headers.get('x-toolgate-backend') ?? '');
  }
  mid.delete(i);
  return text + decoder.decode();
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('failover', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('loses no request when a pod dies mid-run, ejects it and re-admits it when it returns', async () => {
    const profile = { kind: 'fixed' as const, ttftMs: 60, itlMs: 15 };
    stack = await startStack(
      [
        { pods: 1, profile },
        { pods: 1, profile },
        { pods: 1, profile },
      ],
      {
        pools: {
          default: { policy: { type: 'prefix' }, ejection: { consecutiveFailures: 2, baseMs: 200, maxMs: 1000 } },
        },
        health: { intervalMs: 150, timeoutMs: 1000 },
        retry: { attempts: 2 },
        server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 300 },
      },
    );
    // The victim is a pod that is mid-way through a stream when it dies (its first bytes reached
    // the client, its end has not): that stream cannot move and must end with an error event. The
    // other requests in flight there wait for bytes or stream too.
    const streaming = new Map<number, string>(); // request → backend (host:port), first bytes read, not ended
    let victim = stack.sims[0]!;
    const results: Array<Promise<{ stream: boolean; status: number; text: string }>> = [];
    for (let i = 0; i < 48; i++) {
      const stream = i % 2 === 1;
      results.push(
        post(stack.gateway.url, body(i, stream)).then(async (r) => ({
          stream,
          status: r.status,
          text: stream ? await readStream(r, i, streaming) : await r.text(),
        })),
      );
      if (i === 23) {
        await until(() => streaming.size > 0, 10_000);
        const host = streaming.values().next().value!;
        victim = stack.sims.find((s) => s.urls[0] === `http://${host}`)!;
        await victim.close();
      }
      await sleep(15);
    }
    const victimUrl = victim.urls[0]!;
    const victimPort = victim.pods[0]!.port;
    const backend = stack.gateway.router.allBackends().find((b) => b.url === victimUrl)!;
    const done = await Promise.all(results);
    let cut = 0;
    for (const r of done) {
      expect(r.status, r.text).toBe(200);
      if (!r.stream) {
        expect((JSON.parse(r.text) as { choices: unknown[] }).choices).toHaveLength(1);
        continue;
      }
      expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true);
      const events = sseData(r.text) as Array<{ error?: { message: string } }>;
      const errors = events.filter((e) => e.error);
      expect(errors.length).toBeLessThanOrEqual(1);
      if (errors.length) {
        cut++;
        expect(events.at(-1)).toBe(errors[0]); // the error is the last event before [DONE]
      }
    }
    expect(cut).toBeGreaterThan(0); // the kill really hit streams in flight
    expect(backend.healthy).toBe(false);
    const gauge = await stack.gateway.metrics.registry.getSingleMetricAsString('toolgate_backend_healthy');
    expect(gauge).toContain(`backend="${backend.name}",pool="default"} 0`);

    // The pod comes back on the same port: probes and the end of the backoff re-admit it.
    const revived = await startSim({ port: victimPort, pods: 1, profile });
    stack.sims.push(revived);
    await until(() => backend.healthy, 5000);
    await Promise.all(
      Array.from({ length: 27 }, async (_, i) => (await post(stack!.gateway.url, body(i, false))).arrayBuffer()),
    );
    expect(revived.pods[0]!.stats().completed).toBeGreaterThan(0);
  });

  it('sends less traffic to a stalling pod', async () => {
    const profile = { kind: 'fixed' as const, ttftMs: 10, itlMs: 2 };
    stack = await startStack(
      [
        { pods: 1, profile, faults: { rates: { stall: 1 }, stallMs: 1500 } },
        { pods: 2, profile },
      ],
      {
        pools: { default: { policy: { type: 'prefix' } } },
      },
    );
    // Every pod in before the count starts (a probe that timed out on a busy machine would keep a
    // healthy pod out for this whole short run, and the test is about the bound, not start-up).
    await until(() => stack!.gateway.router.allBackends().every((b) => b.healthy), 10_000);
    const base = [stack.sims[0]!.pods[0]!.stats().requests, ...stack.sims[1]!.pods.map((p) => p.stats().requests)]; // start-up probes
    let next = 0;
    const worker = async () => {
      while (next < 90) {
        const res = await post(stack!.gateway.url, body(next++, false));
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 9 }, worker));
    const stalled = stack.sims[0]!.pods[0]!.stats().requests - base[0]!;
    const others = stack.sims[1]!.pods.map((p, i) => p.stats().requests - base[i + 1]!);
    // A fair share would be 30; the bound caps what a slow pod can hold.
    expect(stalled).toBeLessThan(12);
    for (const n of others) expect(n).toBeGreaterThan(stalled * 2);
  });
});
