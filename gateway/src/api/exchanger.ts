// Drives one exchange after the request was read and prepared: picks backends, dispatches with
// retry before the first byte, answers with the upstream's JSON or relays its stream, maps
// failures to OpenAI-shaped errors, and closes the books once (metrics, plugins, span).
import type { Backend } from '../routing/backend.js';
import { endRequestSpan, startRequestSpan } from '../telemetry/tracing.js';
import { dispatch, describeKind, classifyError, type FailureKind, type UpstreamResponse } from '../upstream/dispatch.js';
import { shouldRetry } from '../upstream/retry.js';
import { ResponseMeter } from '../upstream/response-meter.js';
import { SseSplitter, type SseEvent } from '../upstream/sse.js';
import { relayStream, type ChunkTransform } from '../upstream/stream-relay.js';
import { GatewayError } from './errors.js';
import type { Exchange, ExchangeResult } from './exchange.js';
import type { ProxyDeps } from './proxy-route.js';
import type { Endpoint } from './validate-request.js';

const PATHS: Record<Endpoint, string> = { chat: '/v1/chat/completions', completions: '/v1/completions', tokenize: '/tokenize' };
const SPAN_OPERATION: Record<Endpoint, string> = { chat: 'chat', completions: 'text_completion', tokenize: 'tokenize' };

/** Drives one exchange: attempts, retries, and the response. */
export class Exchanger {
  private readonly controller = new AbortController();
  private readonly totalTimer: NodeJS.Timeout;
  private readonly span;
  private readonly tried = new Set<Backend>();
  private finished = false;

  constructor(
    private readonly ex: Exchange,
    private readonly payload: string | Buffer,
    private readonly deps: ProxyDeps,
  ) {
    this.totalTimer = setTimeout(() => this.controller.abort({ kind: 'timeout_total' }), deps.cfg.timeouts.totalMs);
    this.totalTimer.unref();
    this.span = startRequestSpan(SPAN_OPERATION[ex.endpoint], ex.model);
    ex.meter = new ResponseMeter(ex.receivedAt, deps.metrics, { model: ex.model, variant: ex.variant, role: 'primary' });
    ex.resend = (body) => this.resend(body);
  }

  /** The client disconnected: abort whatever is in flight upstream. */
  clientGone(): void {
    if (!this.controller.signal.aborted) this.controller.abort({ kind: 'aborted' });
  }

  /** One extra non-stream call on the exchange's backend (tool-call retry policy). */
  private async resend(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const backend = this.ex.backend;
    if (!backend) throw new Error('no backend to resend to');
    const release = this.acquire(backend);
    try {
      const res = await this.send(backend, JSON.stringify({ ...body, model: this.ex.route!.upstreamModel }), false);
      if (!res.ok) throw new Error(res.message);
      const text = await res.body.text();
      if (res.status !== 200) throw new Error(`upstream answered ${res.status}`);
      return JSON.parse(text) as Record<string, unknown>;
    } finally {
      release();
    }
  }

  async run(): Promise<Response> {
    const { router, metrics } = this.deps;
    const pool = this.ex.route!.pool;
    let lastFailure: { kind: FailureKind; message: string } | null = null;
    for (let retries = 0; ; retries++) {
      const pick = router.pick(pool, { model: this.ex.model, body: this.ex.body, headers: this.ex.headers, exclude: this.tried });
      if (!pick) return this.fail(lastFailure);
      const backend = pick.backend;
      this.tried.add(backend);
      this.ex.backend = backend;
      if (retries === 0) {
        metrics.overhead.observe({ phase: 'dispatch' }, (performance.now() - this.ex.receivedAt) / 1000);
        for (const p of this.deps.plugins) p.onDispatch?.(this.ex);
      }
      const release = this.acquire(backend);
      const res = await this.send(backend, this.payload, this.ex.stream);
      let failure: { kind: FailureKind; message: string } | null = null;
      let prefetched: { events: SseEvent[]; splitter: SseSplitter; iterator: AsyncIterator<Buffer> } | null = null;
      if (!res.ok) failure = res;
      else if (res.status >= 500) {
        failure = { kind: 'http_5xx', message: `upstream answered ${res.status}` };
        if (this.canRetry(failure.kind, retries)) await res.body.dump().catch(() => undefined);
        else {
          this.deps.passiveHealth.failure(backend, failure.kind, { request: this });
          return this.answerBuffered(res, release);
        }
      } else if (this.ex.stream && res.status === 200) {
        const first = await this.prefetch(res);
        if ('kind' in first) failure = first;
        else prefetched = first;
      } else {
        return this.answerBuffered(res, release);
      }
      if (failure) {
        release();
        metrics.upstreamErrors.inc({ backend: backend.name, kind: failure.kind });
        this.deps.passiveHealth.failure(backend, failure.kind, { request: this, retrying: this.canRetry(failure.kind, retries) });
        lastFailure = failure;
        if (this.canRetry(failure.kind, retries)) {
          metrics.upstreamRetries.inc({ reason: failure.kind });
          this.deps.log.info('retrying on another backend', { requestId: this.ex.id, backend: backend.name, kind: failure.kind });
          continue;
        }
        return this.fail(failure);
      }
      this.deps.passiveHealth.success(backend, { request: this });
      return this.answerStream(res as UpstreamResponse, prefetched!, release);
    }
  }

  /** One upstream call for this exchange, under its deadline and timeouts. */
  private send(backend: Backend, body: string | Buffer, stream: boolean) {
    return dispatch(backend, {
      path: PATHS[this.ex.endpoint],
      body,
      headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', 'x-request-id': this.ex.id },
      signal: this.controller.signal,
      firstByteMs: this.deps.cfg.timeouts.firstTokenMs,
      idleMs: this.deps.cfg.timeouts.idleMs,
    });
  }

  private canRetry(kind: FailureKind, retries: number): boolean {
    return shouldRetry(kind, {
      retries,
      budget: this.deps.cfg.retry.attempts,
      clientStarted: false,
      cancelled: this.controller.signal.aborted,
    });
  }

  /** Counts the request against the backend until `release` is called (idempotent). */
  private acquire(backend: Backend): () => void {
    backend.inflight++;
    this.deps.metrics.inflight.set({ backend: backend.name }, backend.inflight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      backend.inflight--;
      this.deps.metrics.inflight.set({ backend: backend.name }, backend.inflight);
    };
  }

  /** Reads until the first complete SSE event so that a failure before it can still be retried. */
  private async prefetch(res: UpstreamResponse) {
    const iterator = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const splitter = new SseSplitter();
    try {
      const deadline = setTimeout(() => res.body.destroy(Object.assign(new Error('first token timeout'), { firstToken: true })), this.deps.cfg.timeouts.firstTokenMs);
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) return { kind: 'reset' as FailureKind, message: 'upstream closed the stream before sending an event' };
          const events = splitter.push(next.value);
          if (events.length > 0) return { events, splitter, iterator };
        }
      } finally {
        clearTimeout(deadline);
      }
    } catch (err) {
      if ((err as { firstToken?: boolean }).firstToken) return { kind: 'timeout_first_token' as FailureKind, message: describeKind('timeout_first_token') };
      return classifyError(err, this.controller.signal);
    }
  }

  /** Non-stream answers, and any non-200 or non-SSE answer, are read whole and sent once. */
  private async answerBuffered(res: UpstreamResponse, release: () => void): Promise<Response> {
    let text: string;
    try {
      text = await res.body.text();
      // Any complete answer below 500 (a 4xx is the request's fault) says the backend works.
      if (res.status < 500) this.deps.passiveHealth.success(this.ex.backend!, { request: this });
    } catch (err) {
      release();
      const f = classifyError(err, this.controller.signal);
      this.deps.metrics.upstreamErrors.inc({ backend: this.ex.backend!.name, kind: f.kind });
      return this.fail(f);
    }
    release();
    const now = performance.now();
    let json: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      /* non-JSON upstream body: relayed as is */
    }
    const status = res.status;
    if (json && status === 200 && this.ex.endpoint !== 'tokenize') {
      this.ex.meter!.onChunk(json, now);
      if (this.ex.meter!.firstTokenAt === null) this.ex.meter!.onToken(now);
      const started = performance.now();
      let changed = false;
      let body: Record<string, unknown> = json;
      try {
        for (const p of this.deps.plugins) {
          const out: Record<string, unknown> | void = p.onCompletion ? await p.onCompletion(this.ex, body) : undefined;
          if (out) {
            body = out;
            changed = true;
          }
        }
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        this.complete({ status: err.status, json: null, endedAt: performance.now(), error: { kind: err.code ?? 'rejected', message: err.message } });
        return new Response(JSON.stringify(err.toBody()), { status: err.status, headers: { ...this.baseHeaders(), ...err.headers, 'content-type': 'application/json' } });
      }
      this.deps.metrics.overhead.observe({ phase: 'relay' }, (performance.now() - started) / 1000);
      json = body;
      if (changed) text = JSON.stringify(body);
    }
    this.complete({ status, json, endedAt: performance.now() });
    const contentType = json ? 'application/json' : String(res.headers['content-type'] ?? 'application/json');
    return new Response(text, { status, headers: { ...this.baseHeaders(), 'content-type': contentType } });
  }

  private answerStream(
    res: UpstreamResponse,
    first: { events: SseEvent[]; splitter: SseSplitter; iterator: AsyncIterator<Buffer> },
    release: () => void,
  ): Response {
    let transform: ChunkTransform | null = null;
    for (const p of this.deps.plugins) transform = p.streamTransform?.(this.ex) ?? transform;
    const stream = relayStream({
      iterator: first.iterator,
      splitter: first.splitter,
      prefetched: first.events,
      transform,
      signal: this.controller.signal,
      abortUpstream: () => {
        this.controller.abort({ kind: 'aborted' });
        res.body.destroy();
      },
      observer: {
        onUpstreamChunk: (chunk, now) => this.ex.meter!.onChunk(chunk, now),
        onRelayTime: (ms) => this.deps.metrics.overhead.observe({ phase: 'relay' }, ms / 1000),
        onEnd: (result) => {
          release();
          if (!result.ok) {
            this.deps.metrics.upstreamErrors.inc({ backend: this.ex.backend!.name, kind: result.kind });
            if (result.kind !== 'aborted') this.deps.passiveHealth.failure(this.ex.backend!, result.kind, { request: this });
          }
          this.complete({ status: 200, json: null, endedAt: performance.now(), error: result.ok ? undefined : result });
        },
      },
    });
    return new Response(stream, {
      status: 200,
      headers: { ...this.baseHeaders(), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    });
  }

  private baseHeaders(): Record<string, string> {
    const h = { ...this.ex.responseHeaders };
    if (this.ex.backend) h['x-toolgate-backend'] = this.ex.backend.name;
    return h;
  }

  /** Every upstream failed (or none is eligible): 503 when nothing could be reached, 504 on timeouts, else 502. */
  private fail(failure: { kind: FailureKind; message: string } | null): Response {
    let err: GatewayError;
    if (!failure || failure.kind === 'connect') {
      err = new GatewayError(503, failure ? `No upstream could be reached: ${failure.message}` : 'No healthy upstream is available for this model.', {
        code: 'no_healthy_upstream',
        headers: { 'retry-after': '1' },
      });
    } else if (failure.kind.startsWith('timeout')) {
      err = new GatewayError(504, describeKind(failure.kind), { code: failure.kind });
    } else if (failure.kind === 'aborted') {
      err = new GatewayError(499, 'client closed the request', { code: 'client_closed_request' });
    } else {
      err = new GatewayError(502, failure.message, { code: `upstream_${failure.kind}`, type: 'upstream_error' });
    }
    this.complete({ status: err.status, json: null, endedAt: performance.now(), error: failure ?? { kind: 'no_backend', message: err.message } });
    return new Response(JSON.stringify(err.toBody()), {
      status: err.status,
      headers: { ...this.baseHeaders(), ...err.headers, 'content-type': 'application/json' },
    });
  }

  private complete(result: ExchangeResult): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.totalTimer);
    const meter = this.ex.meter!;
    meter.finish(result.endedAt);
    const backend = this.ex.backend?.name ?? 'none';
    this.deps.metrics.requests.inc({ model: this.ex.model, backend, status: String(result.status) });
    for (const p of this.deps.plugins) {
      try {
        p.onFinish?.(this.ex, result);
      } catch (err) {
        this.deps.log.error('plugin onFinish failed', { plugin: p.name, err });
      }
    }
    endRequestSpan(this.span, {
      status: result.status,
      backend,
      finishReasons: [...meter.finishReasons],
      inputTokens: meter.usage?.prompt_tokens,
      outputTokens: meter.usage?.completion_tokens,
      error: result.error?.message,
    });
  }
}
