// Upstream failures: retry before the first byte, error event after it, idle timeout, all down.
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, sseData, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const fast = { kind: 'fixed' as const, ttftMs: 2, itlMs: 2 };
const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('upstream faults', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('retries a reset before the first byte on the other pod', async () => {
    // Pod A resets every connection before answering; pod B is healthy.
    stack = await startStack([
      { pods: 1, profile: fast, faults: { rates: { reset_before_first_byte: 1 } } },
      { pods: 1, profile: fast },
    ]);
    const healthyPod = new URL(stack.sims[1]!.urls[0]!).host;
    for (let i = 0; i < 4; i++) {
      for (const stream of [false, true]) {
        const res = await post(stack.gateway.url, {
          model: MODEL,
          stream,
          max_tokens: 4,
          messages: [{ role: 'user', content: `hello ${i}` }],
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-toolgate-backend')).toBe(healthyPod);
        const text = await res.text();
        if (stream) expect(text).toContain('data: [DONE]');
        else expect(JSON.parse(text).choices[0].message.content).toBeTruthy();
      }
    }
  });

  it('ends a stream reset mid-way with one error event and [DONE]', async () => {
    stack = await startStack([{ pods: 1, profile: fast }]);
    const res = await post(stack.gateway.url, {
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
      sim_script: {
        raw: 'one two three four five six seven eight nine ten',
        parser: 'none',
        fault: 'reset_mid_stream',
      },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseData(text) as Array<{ error?: { type: string; message: string } }>;
    const errors = events.filter((e) => e.error);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error!.type).toBe('upstream_error');
    expect(events.indexOf(errors[0]!)).toBe(events.length - 1);
  });

  it('turns a stalled upstream into an idle-timeout error', async () => {
    stack = await startStack([{ pods: 1, profile: fast }], { timeouts: { idleMs: 300 } });
    const started = Date.now();
    const res = await post(stack.gateway.url, {
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
      sim_script: { raw: 'a b c d e f g h', parser: 'none', stall_ms: 5000 },
    });
    const text = await res.text();
    expect(Date.now() - started).toBeLessThan(4000);
    const last = sseData(text).at(-1) as { error?: { type: string; code: string } };
    expect(last.error?.type).toBe('timeout_error');
    expect(last.error?.code).toBe('timeout_idle');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers 503 with Retry-After when every upstream is down', async () => {
    stack = await startStack([{ pods: 2, profile: fast }]);
    await Promise.all(stack.sims.map((s) => s.close()));
    for (const stream of [false, true]) {
      const res = await post(stack.gateway.url, { model: MODEL, stream, messages: [{ role: 'user', content: 'x' }] });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('no_healthy_upstream');
    }
    const ready = await fetch(`${stack.gateway.url}/ready`);
    expect(ready.status).toBe(503);
  });
});
