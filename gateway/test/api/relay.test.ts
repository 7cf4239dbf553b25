// Byte-exact SSE relay, client aborts, and the TTFT histogram, against real simulator pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
/** ids and timestamps differ per response; everything else must be byte-identical. */
const normalize = (s: string) => s.replace(/"id":"[^"]*"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('stream relay', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 80, itlMs: 5 } }]);
  });
  afterAll(async () => stack?.close());

  it('relays the simulator SSE bytes unchanged', async () => {
    const body = JSON.stringify({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
      sim_script: { raw: 'Hello there, this is a scripted answer with "quotes" and ünïcode.', parser: 'none' },
    });
    const direct = await (
      await fetch(`${stack.sims[0]!.urls[0]}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    ).text();
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.headers.get('x-toolgate-backend')).toBeTruthy();
    const viaGateway = await res.text();
    expect(direct).toContain('data: [DONE]');
    expect(normalize(viaGateway)).toBe(normalize(direct));
  });

  it('records TTFT at least the configured simulator TTFT', async () => {
    const before = await metricValue(stack.gateway.url, 'toolgate_time_to_first_token_seconds_count');
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        max_tokens: 4,
        messages: [{ role: 'user', content: 'count' }],
      }),
    });
    await res.text();
    const after = await metricValue(stack.gateway.url, 'toolgate_time_to_first_token_seconds_count');
    expect(after).toBe(before + 1);
    // Sum over all requests so far; every one had a TTFT of at least 80 ms.
    const sum = await metricValue(stack.gateway.url, 'toolgate_time_to_first_token_seconds_sum');
    expect(sum / after).toBeGreaterThanOrEqual(0.08);
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    const pod = stack.sims[0]!.pods[0]!;
    const abortedBefore = pod.stats().aborted;
    const ctl = new AbortController();
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        max_tokens: 2000,
        ignore_eos: true,
        messages: [{ role: 'user', content: 'long' }],
      }),
      signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ctl.abort();
    await reader.cancel().catch(() => undefined);
    const deadline = Date.now() + 5000;
    while (pod.stats().aborted === abortedBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pod.stats().aborted).toBe(abortedBefore + 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(stack.gateway.router.allBackends()[0]!.inflight).toBe(0);
  });
});
