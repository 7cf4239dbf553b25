// The Exchanger (api/exchanger.ts) on its own, against a scripted upstream (helpers/fake-dispatch.ts):
// whole and streamed answers, retry before the first output with load accounting, the response
// starting at the first output, refusals, bad upstream answers, client aborts and deadlines. The
// real router, passive health, metrics and SSE renderer take part; only the network is fake. The
// same paths over real simulator pods are the process-level suites (relay, faults, odd-upstream).
import { errors as undiciErrors } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/api/errors.js';
import { Exchange, type ExchangePlugin, type ExchangeResult } from '../../src/api/exchange.js';
import { Exchanger, type Answer, type AnswerSteps } from '../../src/api/exchanger.js';
import type { AnswerTransform, Chunk } from '../../src/api/answer-transform.js';
import type { ProxyDeps } from '../../src/api/proxy-route.js';
import { renderAnswer } from '../../src/api/render-chat.js';
import type { Endpoint } from '../../src/api/validate-request.js';
import { Router } from '../../src/routing/router.js';
import { createPassiveHealth, type PassiveHealth } from '../../src/routing/passive-health.js';
import type { FailureKind } from '../../src/upstream/dispatch.js';
import { counterValue, quietLogger, testMetrics } from '../capture/helpers.js';
import {
  FakeBody,
  FakeUpstream,
  HANG,
  chunk,
  completion,
  content,
  drain,
  failure,
  response,
  sseEvent,
  trackInflight,
  withContent,
} from '../helpers/fake-dispatch.js';

interface SetupOptions {
  /** retry.attempts */
  attempts?: number;
  stream?: boolean;
  endpoint?: Endpoint;
  plugins?: ExchangePlugin[];
  firstTokenMs?: number;
  totalMs?: number;
  raw?: string;
}

const routers: Router[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

function setup(o: SetupOptions = {}) {
  const names = ['a', 'b'];
  const cfg = resolveConfig({
    retry: { attempts: o.attempts ?? 1 },
    timeouts: { firstTokenMs: o.firstTokenMs ?? 60_000 },
    pools: {
      p: {
        policy: { type: 'round_robin' },
        backends: names.map((name, i) => ({ url: `http://127.0.0.1:${i + 1}`, name })),
      },
    },
  });
  const metrics = testMetrics();
  const log = quietLogger();
  const router = new Router(cfg, metrics, log);
  routers.push(router);
  const pool = router.pools.get('p')!;
  const inflight = Object.fromEntries(pool.backends.map((b) => [b.name, trackInflight(b)]));
  const health: string[] = [];
  const real = createPassiveHealth(metrics, log);
  const passiveHealth: PassiveHealth = {
    failure(b, kind, attempt) {
      health.push(`failure ${b.name} ${kind}${attempt.retrying ? ' retrying' : ''}`);
      real.failure(b, kind, attempt);
    },
    success(b, attempt) {
      health.push(`success ${b.name}`);
      real.success(b, attempt);
    },
  };
  const finished: ExchangeResult[] = [];
  const books: ExchangePlugin = { name: 'books', onFinish: (_ex, result) => finished.push(result) };
  const fake = new FakeUpstream();
  const deps: ProxyDeps = {
    cfg,
    router,
    metrics,
    log,
    plugins: [...(o.plugins ?? []), books],
    passiveHealth,
    dispatch: fake.dispatch,
  };
  const stream = o.stream ?? false;
  const endpoint = o.endpoint ?? 'chat';
  const body = { model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] };
  const ex = new Exchange({
    id: 'req-1',
    endpoint,
    role: 'primary',
    receivedAt: performance.now(),
    body,
    model: 'm',
    stream,
    tools: null,
    headers: {},
    route: { pool, upstreamModel: 'm' },
  });
  const exchanger = new Exchanger(ex, o.raw ?? JSON.stringify(body), deps, o.totalMs ? { totalMs: o.totalMs } : {});
  return { ex, exchanger, fake, metrics, inflight, health, finished };
}

/** The steps of a stream answer (any other answer fails the test). */
function stepsOf(answer: Answer): AnswerSteps {
  if (answer.type !== 'stream') throw new Error(`expected a stream, got ${JSON.stringify(answer)}`);
  return answer.steps;
}

/** What the client receives for an answer (the real renderer). */
const clientText = (answer: Answer) => renderAnswer(answer).text();

/** Lets pending I/O callbacks and promise chains run. */
const settle = () => new Promise((r) => setImmediate(r));

/** A plugin whose transform is `make()`, fresh for every answer read. */
const transformPlugin = (name: string, make: () => AnswerTransform): ExchangePlugin => ({ name, answer: () => make() });

/** Holds every chunk until the end, then emits them joined (what the tool-call engine does with a call). */
const holdAll = (): AnswerTransform => {
  const held: Chunk[] = [];
  return {
    chunk: (c) => (held.push(c), []),
    end: () => (held.length ? [withContent(held[0]!, held.map(content).join(''))] : []),
  };
};

const resetError = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('whole answers', () => {
  it('sends the client bytes as they are and returns the upstream bytes when nothing changed', async () => {
    const raw = '{"model":"m",  "stream":false, "messages":[{"role":"user","content":"hi"}]}';
    const { exchanger, fake, inflight, health, finished, metrics } = setup({ raw });
    const upstreamText = JSON.stringify(completion({ content: 'hello' }), null, 2);
    fake.reply(response(200, upstreamText));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({
      type: 'whole',
      status: 200,
      text: upstreamText,
      headers: { 'content-type': 'application/json', 'x-toolgate-backend': 'a' },
    });
    expect(fake.calls).toHaveLength(1);
    const { opts, body, backend } = fake.calls[0]!;
    expect(backend.name).toBe('a');
    expect(body).toBe(raw);
    expect(opts.path).toBe('/v1/chat/completions');
    expect(opts.headers).toMatchObject({
      accept: 'application/json',
      'x-request-id': 'req-1',
      'content-type': 'application/json',
    });
    expect(opts.signal.aborted).toBe(false);
    expect(inflight.a).toEqual([1, 0]);
    expect(health).toEqual(['success a']);
    expect(finished.map((r) => r.status)).toEqual([200]);
    expect(await counterValue(metrics.requests, { backend: 'a', status: '200' })).toBe(1);
  });

  it('reads a whole answer through the plugins’ transform (chunk, then end)', async () => {
    const calls: string[] = [];
    const upper = transformPlugin('upper', () => ({
      chunk: (c) => (calls.push(`chunk ${content(c)}`), [withContent(c, content(c).toUpperCase())]),
      end: () => (calls.push('end'), []),
    }));
    const { exchanger, fake } = setup({ plugins: [upper] });
    fake.reply(response(200, JSON.stringify(completion({ content: 'hello' }))));
    const answer = await exchanger.run();
    expect(answer.type).toBe('whole');
    const json = JSON.parse((answer as Extract<Answer, { type: 'whole' }>).text);
    expect(json.choices[0].message.content).toBe('HELLO');
    expect(json.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }); // kept from the upstream
    expect(calls).toEqual(['chunk hello', 'end']);
  });

  it('a transform that refuses a whole answer makes it an HTTP error', async () => {
    const refuse = transformPlugin('reject', () => ({
      chunk: () => {
        throw new GatewayError(422, 'refused', { code: 'refused' });
      },
      end: () => [],
    }));
    const { exchanger, fake, inflight, finished } = setup({ plugins: [refuse] });
    fake.reply(response(200, JSON.stringify(completion({ content: 'x' }))));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({
      type: 'error',
      status: 422,
      body: { error: { message: 'refused', code: 'refused' } },
    });
    expect(fake.calls).toHaveLength(1);
    expect(inflight.a).toEqual([1, 0]);
    expect(finished.map((r) => r.status)).toEqual([422]);
  });

  it('a transform that fails (a bug, not a refusal) is a 500 in OpenAI shape, and the exchange still finishes', async () => {
    for (const stream of [false, true]) {
      const broken = transformPlugin('broken', () => ({
        chunk: () => {
          throw new TypeError('plugin bug');
        },
        end: () => [],
      }));
      const { exchanger, fake, inflight, finished } = setup({ stream, plugins: [broken] });
      fake.reply(
        stream
          ? response(200, sseEvent(chunk({ content: 'x' })) + sseEvent('[DONE]'))
          : response(200, JSON.stringify(completion({ content: 'x' }))),
      );
      const answer = await exchanger.run();
      expect(answer).toMatchObject({
        type: 'error',
        status: 500,
        body: { error: { type: 'server_error', code: 'internal_error' } },
      });
      expect(inflight.a).toEqual([1, 0]);
      expect(finished.map((r) => [r.status, r.error?.kind])).toEqual([[500, 'internal_error']]);
    }
  });

  it('passes a 4xx through as the upstream sent it: no retry, and the backend counts as working', async () => {
    const { exchanger, fake, inflight, health } = setup();
    const error =
      '{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}';
    fake.reply(response(400, error, { 'content-type': 'application/json' }));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'whole', status: 400, text: error });
    expect(fake.calls).toHaveLength(1);
    expect(inflight).toEqual({ a: [1, 0], b: [] });
    expect(health).toEqual(['success a']);
  });

  it('sends the body serialized again when a plugin changed it (tokenize: its own path, its answer as is)', async () => {
    const edit: ExchangePlugin = { name: 'edit', onDispatch: (ex) => ex.setUpstreamField('tool_choice', 'none') };
    const { exchanger, fake } = setup({ plugins: [edit], endpoint: 'tokenize' });
    fake.reply(response(200, '{"count":3,"tokens":[1,2,3]}'));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'whole', status: 200, text: '{"count":3,"tokens":[1,2,3]}' });
    expect(fake.calls[0]!.opts.path).toBe('/tokenize');
    expect(JSON.parse(fake.calls[0]!.body)).toMatchObject({ model: 'm', tool_choice: 'none' });
  });
});

describe('retry before the first output', () => {
  it.each<[string, FailureKind, () => Parameters<FakeUpstream['reply']>[0]]>([
    ['a refused connection', 'connect', () => failure('connect', 'connect failed (ECONNREFUSED)')],
    ['a reset', 'reset', () => failure('reset')],
    ['a first-byte timeout', 'timeout_first_token', () => failure('timeout_first_token')],
    ['a 5xx', 'http_5xx', () => response(503, 'overloaded')],
  ])('%s moves the request to another backend, each backend counted once', async (_name, kind, first) => {
    const { exchanger, fake, inflight, health, metrics } = setup();
    const firstReply = first();
    fake.reply(firstReply, response(200, JSON.stringify(completion({ content: 'from b' }))));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'whole', status: 200, headers: { 'x-toolgate-backend': 'b' } });
    expect(fake.calls.map((c) => c.backend.name)).toEqual(['a', 'b']);
    expect(fake.calls[1]!.body).toBe(fake.calls[0]!.body);
    expect(inflight).toEqual({ a: [1, 0], b: [1, 0] });
    expect(health).toEqual([`failure a ${kind} retrying`, 'success b']);
    expect(await counterValue(metrics.upstreamRetries, { reason: kind })).toBe(1);
    expect(await counterValue(metrics.upstreamErrors, { backend: 'a', kind })).toBe(1);
    if (typeof firstReply === 'object' && firstReply.ok) expect((firstReply.body as FakeBody).dumped).toBe(true);
  });

  it('a stream reset before its first event moves to another backend', async () => {
    const { exchanger, fake, inflight } = setup({ stream: true });
    const cut = new FakeBody();
    fake.reply(response(200, cut), response(200, sseEvent(chunk({ content: 'b' })) + sseEvent('[DONE]')));
    const run = exchanger.run();
    await settle();
    cut.write('data: {"id":"x","choi'); // half an event: nothing to relay yet
    await settle();
    cut.destroy(resetError());
    const answer = await run;
    expect(answer).toMatchObject({ type: 'stream', headers: { 'x-toolgate-backend': 'b' } });
    expect(await clientText(answer)).toBe(sseEvent(chunk({ content: 'b' })) + sseEvent('[DONE]'));
    expect(inflight).toEqual({ a: [1, 0], b: [1, 0] });
  });

  it('a whole body cut off while it is read moves to another backend', async () => {
    const { exchanger, fake, inflight, health } = setup();
    const cut = new FakeBody();
    fake.reply(response(200, cut), response(200, JSON.stringify(completion({ content: 'b' }))));
    cut.write('{"id":"x","choices":[');
    const run = exchanger.run();
    await settle();
    cut.destroy(resetError());
    expect(await run).toMatchObject({ type: 'whole', status: 200, headers: { 'x-toolgate-backend': 'b' } });
    expect(inflight).toEqual({ a: [1, 0], b: [1, 0] });
    expect(health).toEqual(['failure a reset retrying', 'success b']);
  });

  it('a stream silent past the first-token timeout moves to another backend', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { exchanger, fake, inflight, health } = setup({ stream: true, firstTokenMs: 1_000 });
    const silent = new FakeBody();
    fake.reply(response(200, silent), response(200, sseEvent(chunk({ content: 'b' })) + sseEvent('[DONE]')));
    let settled = false;
    const run = exchanger.run().finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    expect(fake.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const answer = await run;
    expect(answer).toMatchObject({ type: 'stream', headers: { 'x-toolgate-backend': 'b' } });
    expect(silent.destroyed).toBe(true);
    expect(health[0]).toBe('failure a timeout_first_token retrying');
    await drain(stepsOf(answer));
    expect(inflight).toEqual({ a: [1, 0], b: [1, 0] });
  });

  it('does not retry past the budget: the last failure decides the answer', async () => {
    const cases: Array<[ReturnType<typeof failure>, number, string, string]> = [
      [failure('connect', 'connect failed (ECONNREFUSED)'), 503, 'no_healthy_upstream', 'server_error'],
      [failure('timeout_first_token'), 504, 'timeout_first_token', 'timeout_error'],
      [failure('reset', 'upstream connection failed: other side closed'), 502, 'upstream_reset', 'upstream_error'],
    ];
    for (const [fail, status, code, type] of cases) {
      const { exchanger, fake, inflight, finished } = setup({ attempts: 1 });
      fake.reply(fail, fail);
      const answer = await exchanger.run();
      expect(answer).toMatchObject({ type: 'error', status });
      const body = JSON.parse(await clientText(answer));
      expect(body).toEqual({ error: { message: expect.any(String), type, param: null, code } });
      if (status === 503) expect((answer as { headers: Record<string, string> }).headers['retry-after']).toBe('1');
      expect(fake.calls).toHaveLength(2);
      expect(inflight).toEqual({ a: [1, 0], b: [1, 0] });
      expect(finished.map((r) => r.status)).toEqual([status]);
    }
  });

  it('a 5xx that cannot move elsewhere reaches the client as the upstream sent it', async () => {
    const { exchanger, fake, inflight, health } = setup({ attempts: 0 });
    fake.reply(response(503, '{"error":"overloaded"}', { 'content-type': 'application/json' }));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'whole', status: 503, text: '{"error":"overloaded"}', json: null });
    expect(inflight.a).toEqual([1, 0]);
    expect(health).toEqual(['failure a http_5xx']);
  });

  it('an in-stream error that is not about the request (no 4xx code) is retried elsewhere', async () => {
    const { exchanger, fake } = setup({ stream: true });
    fake.reply(
      response(
        200,
        sseEvent({ error: { message: 'engine dead', type: 'InternalServerError', code: 500 } }) + sseEvent('[DONE]'),
      ),
      response(200, sseEvent(chunk({ content: 'b' })) + sseEvent('[DONE]')),
    );
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'stream', headers: { 'x-toolgate-backend': 'b' } });
  });

  it('vLLM’s in-stream 4xx error is the client’s answer, with its status and body, and no retry', async () => {
    const { exchanger, fake, inflight, health, finished } = setup({ stream: true });
    const event = { error: { message: 'prompt too long', type: 'BadRequestError', param: null, code: 400 } };
    fake.reply(response(200, sseEvent(event) + sseEvent('[DONE]')));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'error', status: 400, body: event });
    expect(fake.calls).toHaveLength(1);
    expect(inflight.a).toEqual([1, 0]);
    expect(health).toEqual(['success a']);
    expect(finished.map((r) => r.status)).toEqual([400]);
  });
});

describe('streamed answers', () => {
  it('starts the response at the first output and relays the upstream’s own event bytes', async () => {
    const { exchanger, fake, inflight, finished } = setup({ stream: true });
    const body = new FakeBody();
    fake.reply(response(200, body));
    let started = false;
    const run = exchanger.run().finally(() => (started = true));
    const first =
      'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n';
    await settle();
    body.write(first.slice(0, 40)); // not yet one complete event
    await settle();
    expect(started).toBe(false);
    expect(fake.calls).toHaveLength(1);
    body.write(first.slice(40));
    const answer = await run;
    expect(answer).toMatchObject({
      type: 'stream',
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-toolgate-backend': 'a' },
    });
    const steps = stepsOf(answer);
    expect(inflight.a).toEqual([1]); // held while the stream is open
    expect(finished).toEqual([]);
    const s1 = await steps.next();
    expect(s1).toMatchObject({ type: 'out', raw: first });
    const second = sseEvent(chunk({ content: 'lo' }, 'stop'));
    body.end(second + sseEvent('[DONE]'));
    expect(await drain(steps)).toEqual([
      { type: 'out', chunks: [chunk({ content: 'lo' }, 'stop')], raw: second },
      { type: 'end' },
    ]);
    expect(inflight.a).toEqual([1, 0]);
    expect(finished.map((r) => [r.status, r.error])).toEqual([[200, undefined]]);
    expect(await steps.next()).toEqual({ type: 'end' }); // over: the books stay closed
    expect(inflight.a).toEqual([1, 0]);
    expect(finished).toHaveLength(1);
  });

  it('an upstream failure after the first output is one OpenAI error event and [DONE], never a retry', async () => {
    const { exchanger, fake, inflight, health, metrics, finished } = setup({ stream: true });
    const body = new FakeBody();
    fake.reply(response(200, body), response(200, 'never asked'));
    const first = sseEvent(chunk({ content: 'Hel' }));
    body.write(first);
    const answer = await exchanger.run();
    const text = clientText(answer);
    await settle();
    body.destroy(resetError());
    const events = (await text).split('\n\n').filter(Boolean);
    expect(`${events[0]!}\n\n`).toBe(first);
    expect(JSON.parse(events[1]!.slice('data: '.length))).toEqual({
      error: { message: expect.stringContaining('ECONNRESET'), type: 'upstream_error', param: null, code: 'reset' },
    });
    expect(events[2]).toBe('data: [DONE]');
    expect(events).toHaveLength(3);
    expect(fake.calls).toHaveLength(1);
    expect(inflight).toEqual({ a: [1, 0], b: [] });
    expect(health).toEqual(['success a', 'failure a reset']);
    expect(await counterValue(metrics.upstreamErrors, { backend: 'a', kind: 'reset' })).toBe(1);
    expect(finished.map((r) => r.error?.kind)).toEqual(['reset']);
  });

  it('a stall after the first output (undici’s body timeout) ends with a timeout_error event', async () => {
    const { exchanger, fake, health } = setup({ stream: true });
    const body = new FakeBody();
    fake.reply(response(200, body));
    body.write(sseEvent(chunk({ content: 'Hel' })));
    const text = clientText(await exchanger.run());
    await settle();
    body.destroy(new undiciErrors.BodyTimeoutError());
    expect(await text).toBe(
      sseEvent(chunk({ content: 'Hel' })) +
        sseEvent({
          error: {
            message: 'upstream stalled: no data within the idle timeout',
            type: 'timeout_error',
            param: null,
            code: 'timeout_idle',
          },
        }) +
        sseEvent('[DONE]'),
    );
    expect(health).toEqual(['success a', 'failure a timeout_idle']);
  });

  it('an upstream that closes without [DONE] ends with a reset error event', async () => {
    const { exchanger, fake } = setup({ stream: true });
    fake.reply(response(200, sseEvent(chunk({ content: 'Hel' }))));
    const text = await clientText(await exchanger.run());
    expect(text).toContain('"code":"reset"');
    expect(text.endsWith(sseEvent('[DONE]'))).toBe(true);
  });

  it('nothing is committed before the first output: a held stream that fails is retried whole', async () => {
    const { exchanger, fake, inflight } = setup({ stream: true, plugins: [transformPlugin('hold', holdAll)] });
    const a = new FakeBody();
    fake.reply(
      response(200, a),
      response(
        200,
        sseEvent(chunk({ content: 'fresh ' })) + sseEvent(chunk({ content: 'answer' })) + sseEvent('[DONE]'),
      ),
    );
    a.write(sseEvent(chunk({ content: 'stale ' })) + sseEvent(chunk({ content: 'half' })));
    const run = exchanger.run();
    await settle();
    a.destroy(resetError());
    const answer = await run;
    expect(answer).toMatchObject({ type: 'stream', headers: { 'x-toolgate-backend': 'b' } });
    const steps = await drain(stepsOf(answer));
    expect(steps.map((s) => (s.type === 'out' ? s.chunks.map(content).join('') : s.type))).toEqual([
      'fresh answer',
      'end',
    ]);
    expect(inflight).toEqual({ a: [1, 0], b: [1, 0] });
  });

  it('a transform that refuses a held stream turns it into an HTTP error, not a stream', async () => {
    const refuse = transformPlugin('reject', () => ({
      chunk: () => [],
      end: () => {
        throw new GatewayError(422, 'the model called a tool that does not exist', { code: 'invalid_tool_call' });
      },
    }));
    const { exchanger, fake, inflight, health, finished } = setup({ stream: true, plugins: [refuse] });
    const reply = response(200, sseEvent(chunk({ content: '<tool_call>' })) + sseEvent('[DONE]'));
    fake.reply(reply);
    const answer = await exchanger.run();
    expect(answer).toMatchObject({
      type: 'error',
      status: 422,
      headers: { 'content-type': 'application/json', 'x-toolgate-backend': 'a' },
    });
    expect(JSON.parse(await clientText(answer))).toEqual({
      error: {
        message: 'the model called a tool that does not exist',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_tool_call',
      },
    });
    expect(fake.calls).toHaveLength(1);
    expect(inflight.a).toEqual([1, 0]);
    expect(health).toEqual([]);
    expect(finished.map((r) => [r.status, r.error?.kind])).toEqual([[422, 'invalid_tool_call']]);
  });

  it('a transform that refuses after the response started ends the stream with its error event', async () => {
    let n = 0;
    const late = transformPlugin('late', () => ({
      chunk: (c) => {
        if (++n === 2) throw new GatewayError(422, 'refused late', { code: 'refused' });
        return [c];
      },
      end: () => [],
    }));
    const { exchanger, fake, inflight, health, metrics } = setup({ stream: true, plugins: [late] });
    const body = new FakeBody();
    fake.reply(response(200, body));
    body.end(sseEvent(chunk({ content: 'one' })) + sseEvent(chunk({ content: 'two' })) + sseEvent('[DONE]'));
    const text = await clientText(await exchanger.run());
    expect(text).toBe(
      sseEvent(chunk({ content: 'one' })) +
        sseEvent({ error: { message: 'refused late', type: 'invalid_request_error', param: null, code: 'refused' } }) +
        sseEvent('[DONE]'),
    );
    expect(body.destroyed).toBe(true);
    expect(inflight.a).toEqual([1, 0]);
    expect(health).toEqual(['success a']); // a refusal says nothing about the backend
    expect(await counterValue(metrics.upstreamErrors)).toBe(0);
  });

  it('runs the plugins’ transforms in plugin order, each end flushing into the next', async () => {
    const tag = (t: string): AnswerTransform => ({ chunk: (c) => [withContent(c, content(c) + t)], end: () => [] });
    const { exchanger, fake } = setup({
      stream: true,
      plugins: [
        transformPlugin('hold', holdAll),
        transformPlugin('one', () => tag('1')),
        transformPlugin('two', () => tag('2')),
      ],
    });
    fake.reply(
      response(200, sseEvent(chunk({ content: 'x' })) + sseEvent(chunk({ content: 'y' })) + sseEvent('[DONE]')),
    );
    const answer = await exchanger.run();
    const steps = await drain(stepsOf(answer));
    expect(steps.map((s) => (s.type === 'out' ? s.chunks.map(content) : s.type))).toEqual([['xy12'], 'end']);
  });
});

describe('bad upstream answers are 502s in OpenAI shape', () => {
  it.each([
    ['not JSON', '<html>502 Bad Gateway</html>', 'upstream answer is not JSON (or nests too deeply)'],
    ['no choices', '{"id":"x","object":"chat.completion"}', 'upstream answer has no readable choices'],
    [
      'a choice without a message',
      '{"choices":[{"index":0,"text":"hi"}]}',
      'upstream choices[0].message is not an object',
    ],
    [
      'nesting past the walkers’ limit',
      `{"choices":[{"message":${'['.repeat(5000)}${']'.repeat(5000)}}]}`,
      'upstream answer is not JSON (or nests too deeply)',
    ],
  ])('a whole answer with %s', async (_name, text, message) => {
    const { exchanger, fake, inflight, health } = setup({ attempts: 0 });
    fake.reply(response(200, text));
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'error', status: 502 });
    expect(JSON.parse(await clientText(answer))).toEqual({
      error: { message, type: 'upstream_error', param: null, code: 'upstream_bad_response' },
    });
    expect(inflight.a).toEqual([1, 0]);
    expect(health).toEqual(['failure a bad_response']);
  });

  it('is retried on another backend while the budget allows', async () => {
    const { exchanger, fake } = setup({ attempts: 1 });
    fake.reply(response(200, 'not json'), response(200, JSON.stringify(completion({ content: 'ok' }))));
    expect(await exchanger.run()).toMatchObject({ type: 'whole', status: 200, headers: { 'x-toolgate-backend': 'b' } });
  });

  it.each([
    [
      'a first event that is not a chunk',
      () => sseEvent({ id: 'x', object: 'chat.completion.chunk' }),
      'upstream sent a stream event that is not a completion chunk',
    ],
    [
      'an event over 8 MiB without terminator',
      () => 'data: ' + 'x'.repeat(8 * 1024 * 1024 + 1),
      'upstream stream event exceeds 8388608 bytes without a terminator',
    ],
  ])('a stream with %s, before anything is sent', async (_name, text, message) => {
    const { exchanger, fake, inflight } = setup({ stream: true, attempts: 0 });
    const body = new FakeBody();
    fake.reply(response(200, body));
    body.write(text());
    const answer = await exchanger.run();
    expect(answer).toMatchObject({ type: 'error', status: 502 });
    expect(JSON.parse(await clientText(answer))).toEqual({
      error: { message, type: 'upstream_error', param: null, code: 'upstream_bad_response' },
    });
    expect(body.destroyed).toBe(true);
    expect(inflight.a).toEqual([1, 0]);
  });
});

describe('client aborts and deadlines', () => {
  it('a client that leaves before the answer aborts the upstream call: 499, no retry', async () => {
    const { exchanger, fake, inflight, health, finished } = setup();
    fake.reply(HANG);
    const run = exchanger.run();
    await settle();
    const { signal } = fake.calls[0]!.opts;
    expect(signal.aborted).toBe(false);
    exchanger.clientGone();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toEqual({ kind: 'aborted' });
    const answer = await run;
    expect(answer).toMatchObject({ type: 'error', status: 499, body: { error: { code: 'client_closed_request' } } });
    expect(fake.calls).toHaveLength(1);
    expect(inflight).toEqual({ a: [1, 0], b: [] });
    expect(health).toEqual(['failure a aborted']);
    expect(finished.map((r) => r.status)).toEqual([499]);
  });

  it('a client that leaves while a held stream is read stops the upstream body too', async () => {
    const { exchanger, fake, inflight } = setup({ stream: true, plugins: [transformPlugin('hold', holdAll)] });
    const body = new FakeBody();
    fake.reply(response(200, body));
    body.write(sseEvent(chunk({ content: 'x' })));
    const run = exchanger.run();
    await settle();
    exchanger.clientGone();
    expect(await run).toMatchObject({ type: 'error', status: 499 });
    expect(body.destroyed).toBe(true);
    expect(fake.calls).toHaveLength(1);
    expect(inflight.a).toEqual([1, 0]);
  });

  it('cancelling a started stream aborts the upstream and closes the books once', async () => {
    const { exchanger, fake, inflight, health, finished, metrics } = setup({ stream: true });
    const body = new FakeBody();
    fake.reply(response(200, body));
    body.write(sseEvent(chunk({ content: 'Hel' })));
    const steps = stepsOf(await exchanger.run());
    expect((await steps.next()).type).toBe('out');
    steps.cancel();
    steps.cancel();
    expect(fake.calls[0]!.opts.signal.aborted).toBe(true);
    expect(body.destroyed).toBe(true);
    expect(await steps.next()).toEqual({ type: 'end' });
    expect(inflight.a).toEqual([1, 0]);
    expect(finished.map((r) => r.error?.kind)).toEqual(['aborted']);
    expect(health).toEqual(['success a']); // a client leaving says nothing about the backend
    expect(await counterValue(metrics.requests, { status: '200' })).toBe(1);
  });

  it('the total deadline aborts the upstream call: 504 timeout_total', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { exchanger, fake, inflight } = setup({ totalMs: 5_000 });
    fake.reply(HANG);
    const run = exchanger.run();
    await vi.advanceTimersByTimeAsync(5_000);
    const answer = await run;
    expect(fake.calls[0]!.opts.signal.reason).toEqual({ kind: 'timeout_total' });
    expect(answer).toMatchObject({
      type: 'error',
      status: 504,
      body: { error: { code: 'timeout_total', type: 'timeout_error' } },
    });
    expect(inflight.a).toEqual([1, 0]);
  });
});

describe('resend (the tool-call retry policy’s re-ask)', () => {
  it('sends one non-stream call to the exchange’s backend, counted against it while it runs', async () => {
    const { ex, exchanger, fake, inflight } = setup({ stream: true });
    fake.reply(response(200, sseEvent(chunk({ content: 'x' })) + sseEvent('[DONE]')));
    const steps = stepsOf(await exchanger.run());
    fake.reply(response(200, JSON.stringify(completion({ content: 'again' }))));
    const json = await ex.resend!({ messages: [], model: 'public-name' });
    expect((json.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe('again');
    const call = fake.calls[1]!;
    expect(call.backend.name).toBe('a');
    expect(call.opts.headers.accept).toBe('application/json');
    expect(JSON.parse(call.body)).toEqual({ messages: [], model: 'm' });
    expect(inflight.a).toEqual([1, 2, 1]);
    await drain(steps);
    expect(inflight.a).toEqual([1, 2, 1, 0]);
    fake.reply(response(500, 'boom'));
    await expect(ex.resend!({ messages: [] })).rejects.toThrow('upstream answered 500');
    expect(inflight.a!.at(-1)).toBe(0);
  });
});
