// The plugin contract as docs/extending.md ("A plugin") states it, held by a probe plugin that
// records every hook through a real gateway in front of simulated pods: the order of the hooks,
// which endpoints get an answer transform, onDispatch on the first attempt only and a fresh
// transform per attempt, what a refusal in onRequest or in a transform does, upstream-only
// fields, and which plugins a shadow copy runs with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerTransform, Chunk } from '../../src/api/answer-transform.js';
import { GatewayError } from '../../src/api/errors.js';
import type { Exchange, ExchangePlugin, ExchangeResult } from '../../src/api/exchange.js';
import { ShadowRunner } from '../../src/experiments/shadow.js';
import { createPassiveHealth } from '../../src/routing/passive-health.js';
import { createLogger } from '../../src/telemetry/log.js';
import { sseData, startStack, type Stack } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';

type Event = string;

/** Records `role:hook` events; behaviour is steered by request headers (x-probe-*). */
function probe(events: Event[], finished: { ex: Exchange; result: ExchangeResult }[] = []): ExchangePlugin {
  let answers = 0;
  return {
    name: 'probe',
    onRequest(ex) {
      events.push(`${ex.role}:onRequest:${ex.endpoint}`);
      if (ex.headers['x-probe-refuse']) throw new GatewayError(418, 'refused by the probe', { code: 'probe_refused' });
    },
    onDispatch(ex) {
      events.push(`${ex.role}:onDispatch`);
      if (ex.headers['x-probe-upstream-text'])
        ex.setUpstreamField('sim_script', { raw: ex.headers['x-probe-upstream-text'], parser: 'none' });
    },
    answer(ex): AnswerTransform {
      const n = ++answers;
      events.push(`${ex.role}:answer#${n}`);
      const refuse = ex.headers['x-probe-refuse-answer'];
      let chunks = 0;
      return {
        chunk(c: Chunk) {
          chunks++;
          if (refuse === 'first')
            throw new GatewayError(409, 'answer refused by the probe', { code: 'probe_refused_answer' });
          if (refuse === 'third' && chunks === 3)
            throw new GatewayError(409, 'answer refused by the probe', { code: 'probe_refused_answer' });
          if (chunks === 1) events.push(`${ex.role}:chunk#${n}`);
          return [c];
        },
        end() {
          events.push(`${ex.role}:end#${n}`);
          return [];
        },
      };
    },
    onFinish(ex, result) {
      events.push(`${ex.role}:onFinish:${result.status}${result.error ? `:${result.error.kind}` : ''}`);
      finished.push({ ex, result });
    },
  };
}

const post = (url: string, path: string, body: object, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('plugin contract', () => {
  let stack: Stack;
  const events: Event[] = [];
  const finished: { ex: Exchange; result: ExchangeResult }[] = [];
  beforeAll(async () => {
    stack = await startStack(
      [{ pods: 1, profile: { kind: 'fixed', ttftMs: 5, itlMs: 1 } }],
      {},
      { plugins: [probe(events, finished)] },
    );
  });
  afterAll(async () => stack?.close());
  const fresh = () => {
    events.length = 0;
    finished.length = 0;
  };

  it('a streamed chat answer: onRequest, onDispatch, answer, its chunks, end, onFinish', async () => {
    fresh();
    const res = await post(stack.gateway.url, '/v1/chat/completions', {
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(events).toEqual([
      'primary:onRequest:chat',
      'primary:onDispatch',
      'primary:answer#1',
      'primary:chunk#1',
      'primary:end#1',
      'primary:onFinish:200',
    ]);
    expect(finished[0]!.result.json).toBeNull();
  });

  it('a whole chat answer: the same hooks, one chunk per choice, and the final body in onFinish', async () => {
    fresh();
    const res = await post(stack.gateway.url, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: unknown[] };
    expect(events).toEqual([
      'primary:onRequest:chat',
      'primary:onDispatch',
      'primary:answer#2',
      'primary:chunk#2',
      'primary:end#2',
      'primary:onFinish:200',
    ]);
    expect(finished[0]!.result.json).toMatchObject({ choices: body.choices });
  });

  it('completions and tokenize get every hook but answer', async () => {
    fresh();
    expect(
      (await post(stack.gateway.url, '/v1/completions', { model: MODEL, prompt: 'hi', max_tokens: 3 })).status,
    ).toBe(200);
    expect((await post(stack.gateway.url, '/tokenize', { model: MODEL, prompt: 'hi' })).status).toBe(200);
    expect(events).toEqual([
      'primary:onRequest:completions',
      'primary:onDispatch',
      'primary:onFinish:200',
      'primary:onRequest:tokenize',
      'primary:onDispatch',
      'primary:onFinish:200',
    ]);
  });

  it('a GatewayError in onRequest is the client’s answer, and no other hook runs for that request', async () => {
    fresh();
    const res = await post(
      stack.gateway.url,
      '/v1/chat/completions',
      { model: MODEL, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-probe-refuse': '1' },
    );
    expect(res.status).toBe(418);
    expect(await res.json()).toMatchObject({ error: { message: 'refused by the probe', code: 'probe_refused' } });
    expect(events).toEqual(['primary:onRequest:chat']);
  });

  it('a GatewayError from a transform before the response started is an HTTP error', async () => {
    fresh();
    const res = await post(
      stack.gateway.url,
      '/v1/chat/completions',
      { model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-probe-refuse-answer': 'first' },
    );
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'probe_refused_answer' } });
    expect(events.at(-1)).toBe('primary:onFinish:409:probe_refused_answer');
  });

  it('after the response started, it ends the stream with the error event and [DONE]', async () => {
    fresh();
    const res = await post(
      stack.gateway.url,
      '/v1/chat/completions',
      { model: MODEL, stream: true, messages: [{ role: 'user', content: 'tell me more' }] },
      { 'x-probe-refuse-answer': 'third' },
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(sseData(text).at(-1)).toMatchObject({ error: { code: 'probe_refused_answer' } });
    expect(events).not.toContain(`primary:end#${events.find((e) => e.startsWith('primary:answer#'))!.split('#')[1]!}`);
    expect(events.at(-1)).toBe('primary:onFinish:200:rejected');
  });

  it('an upstream-only field reaches the upstream and never the body others read', async () => {
    fresh();
    const body = {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      chat_template_kwargs: { enable_thinking: false },
    };
    const res = await post(stack.gateway.url, '/v1/chat/completions', body, {
      'x-probe-upstream-text': 'set in onDispatch',
    });
    const answer = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0]!.message.content).toBe('set in onDispatch');
    expect(finished[0]!.ex.body).not.toHaveProperty('sim_script');
  });
});

describe('plugin contract across attempts', () => {
  let stack: Stack;
  const events: Event[] = [];
  beforeAll(async () => {
    // Round-robin starts with the slow pod, whose first token misses the deadline: the stream is
    // retried on the fast one before anything reached the client.
    stack = await startStack(
      [
        { pods: 1, profile: { kind: 'fixed', ttftMs: 3000, itlMs: 5 } },
        { pods: 1, profile: { kind: 'fixed', ttftMs: 5, itlMs: 1 } },
      ],
      { pools: { default: { policy: { type: 'round_robin' } } }, timeouts: { firstTokenMs: 400 } },
      { plugins: [probe(events)] },
    );
  });
  afterAll(async () => stack?.close());

  it('onDispatch fires on the first attempt only; each attempt gets a fresh transform; end only on the one that completed', async () => {
    const res = await post(stack.gateway.url, '/v1/chat/completions', {
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get('x-toolgate-backend')).toBe(new URL(stack.sims[1]!.urls[0]!).host);
    expect(events).toEqual([
      'primary:onRequest:chat',
      'primary:onDispatch',
      'primary:answer#1',
      'primary:answer#2',
      'primary:chunk#2',
      'primary:end#2',
      'primary:onFinish:200',
    ]);
  });
});

describe('shadow copies', () => {
  let stack: Stack;
  const events: Event[] = [];
  beforeAll(async () => {
    stack = await startStack(
      [{ pods: 1, profile: { kind: 'fixed', ttftMs: 5, itlMs: 1 } }],
      {},
      { plugins: [probe(events)] },
    );
  });
  afterAll(async () => stack?.close());

  it('run every hook, with the plugins the shadow runner was given', async () => {
    const log = createLogger({}, 'silent');
    const { router, metrics } = stack.gateway;
    const shadowEvents: Event[] = [];
    const runner = new ShadowRunner({ maxConcurrent: 1, timeoutMs: 10_000 });
    runner.attach({ cfg: stack.cfg, router, metrics, log, passiveHealth: createPassiveHealth(metrics, log) }, [
      probe(shadowEvents),
    ]);
    const outcome = await runner.start({
      requestId: 'req-1',
      model: MODEL,
      variant: 'b',
      pool: router.pools.get('default')!,
      upstreamModel: MODEL,
      body: { model: MODEL, messages: [{ role: 'user', content: 'hi' }] },
      stream: false,
      tools: null,
      headers: {},
    });
    expect(outcome).toMatchObject({ error: null });
    expect(shadowEvents).toEqual([
      'shadow:onRequest:chat',
      'shadow:onDispatch',
      'shadow:answer#1',
      'shadow:chunk#1',
      'shadow:end#1',
      'shadow:onFinish:200',
    ]);
    // The gateway's own plugin list, where the probe sits, never saw it.
    expect(events).toEqual([]);
  });

  it('so a plugin passed to startGateway sees only the primary of a mirrored request', async () => {
    await stack.close();
    events.length = 0;
    stack = await startStack(
      [{ pods: 1, profile: { kind: 'fixed', ttftMs: 5, itlMs: 1 } }],
      {
        models: {
          m: {
            variants: {
              a: { pool: 'default', model: MODEL, weight: 100 },
              b: { pool: 'default', model: MODEL, weight: 0 },
            },
            shadow: { variant: 'b', percent: 100 },
          },
        },
      },
      { plugins: [probe(events)] },
    );
    const before = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    expect(before).not.toMatch(/toolgate_shadow_requests_total\{[^}]*result="completed"[^}]*\} [1-9]/);
    const res = await post(stack.gateway.url, '/v1/chat/completions', {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    await res.text();
    for (
      let i = 0;
      i < 100 &&
      !/toolgate_shadow_requests_total\{[^}]*result="completed"[^}]*\} 1/.test(
        await (await fetch(`${stack.gateway.url}/metrics`)).text(),
      );
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await (await fetch(`${stack.gateway.url}/metrics`)).text()).toMatch(
      /toolgate_shadow_requests_total\{[^}]*result="completed"[^}]*\} 1/,
    );
    expect(events.every((e) => e.startsWith('primary:'))).toBe(true);
    expect(events).toContain('primary:onFinish:200');
  });
});
