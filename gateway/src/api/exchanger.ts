// Drives one exchange after the request was read and prepared: picks backends, dispatches, reads
// the answer through the plugins' transform, and decides when the response starts. Until then
// (the first chunk the client is to receive) any upstream failure can still move the request to
// another backend, and a plugin that refuses the answer turns it into an HTTP error; after it, a
// failure is one OpenAI error event and [DONE]. It returns an Answer that the caller renders
// (chat SSE/JSON, the Responses translation, or the shadow's sink), and closes the books once:
// metrics, plugins' onFinish, span.
import type { Backend } from '../routing/backend.js';
import { endRequestSpan, startRequestSpan } from '../telemetry/tracing.js';
import {
  dispatch,
  describeKind,
  classifyError,
  type FailureKind,
  type UpstreamResponse,
} from '../upstream/dispatch.js';
import { shouldRetry } from '../upstream/retry.js';
import { Cancel } from '../upstream/cancel.js';
import { ResponseMeter } from '../upstream/response-meter.js';
import { UpstreamStream } from '../upstream/upstream-stream.js';
import { BadUpstreamAnswer } from '../upstream/whole-answer.js';
import { parseJson } from '../toolcalls/index.js';
import { RelayClock, StreamAnswerFlow, transformWhole, type FlowStep } from './answer-flow.js';
import { composeTransforms, type AnswerTransform } from './answer-transform.js';
import { GatewayError, asGatewayError, errorBody, type OpenAIErrorBody } from './errors.js';
import type { Exchange, ExchangeResult } from './exchange.js';
import type { ProxyDeps } from './proxy-route.js';
import type { Endpoint } from './validate-request.js';

const PATHS: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  tokenize: '/tokenize',
};
const SPAN_OPERATION: Record<Endpoint, string> = { chat: 'chat', completions: 'text_completion', tokenize: 'tokenize' };
/** The largest single SSE event an upstream may send (a longer one has no terminator). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

/** What the exchange produced, for the caller to render. */
export type Answer =
  | { type: 'error'; status: number; headers: Record<string, string>; body: OpenAIErrorBody }
  /** A whole answer: `text` is what to send (the upstream's own bytes when nothing changed). */
  | {
      type: 'whole';
      status: number;
      headers: Record<string, string>;
      text: string;
      json: Record<string, unknown> | null;
    }
  | { type: 'stream'; headers: Record<string, string>; steps: AnswerSteps };

/** A started stream: steps in order until `end` or `fail`; `cancel` when the consumer goes away. */
export interface AnswerSteps {
  next(): Promise<FlowStep>;
  cancel(): void;
}

type Failure = { kind: FailureKind; message: string };
type Attempt = { answer: Answer } | { failure: Failure; response?: UpstreamResponse };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Exchanger {
  private readonly controller = new Cancel();
  private readonly totalTimer: NodeJS.Timeout;
  private readonly span;
  private readonly tried = new Set<Backend>();
  private payload: string | Buffer;
  private finished = false;

  constructor(
    private readonly ex: Exchange,
    /** The client's bytes, sent as they are when no plugin changed the body. */
    raw: string | Buffer,
    private readonly deps: ProxyDeps,
    private readonly opts: { totalMs?: number } = {},
  ) {
    this.payload = raw;
    this.totalTimer = setTimeout(
      () => this.controller.abort({ kind: 'timeout_total' }),
      opts.totalMs ?? deps.cfg.timeouts.totalMs,
    );
    this.totalTimer.unref();
    this.span = startRequestSpan(SPAN_OPERATION[ex.endpoint], ex.model);
    ex.meter = new ResponseMeter(ex.receivedAt, deps.metrics, {
      model: ex.model,
      variant: ex.variant,
      role: ex.role,
      endpoint: ex.api,
    });
    ex.resend = (body) => this.resend(body);
  }

  /** The client disconnected before the answer started: abort whatever is in flight upstream. */
  clientGone(): void {
    if (!this.controller.signal.aborted) this.controller.abort({ kind: 'aborted' });
  }

  /**
   * The answer to the client. A fault inside the gateway (a plugin's transform throwing anything
   * but a GatewayError) before the response starts is a 500 in OpenAI's shape, and the exchange
   * still finishes: metrics, capture and the span see it like any other answer.
   */
  async run(): Promise<Answer> {
    try {
      return await this.runAttempts();
    } catch (err) {
      if (this.finished) throw err;
      this.deps.log.error('the gateway failed while answering', { requestId: this.ex.id, err });
      return this.refuse(
        new GatewayError(500, 'The gateway failed while reading the answer; see its log for this request id.', {
          type: 'server_error',
          code: 'internal_error',
        }),
      );
    }
  }

  private async runAttempts(): Promise<Answer> {
    const { router, metrics } = this.deps;
    const pool = this.ex.route!.pool;
    let lastFailure: Failure | null = null;
    for (let retries = 0; ; retries++) {
      const pick = router.pick(pool, {
        model: this.ex.model,
        body: this.ex.body,
        headers: this.ex.headers,
        exclude: this.tried,
      });
      if (!pick) return this.fail(lastFailure);
      const taken = router.take(pool, pick);
      const { backend, release } = taken instanceof Promise ? await taken : taken;
      this.tried.add(backend);
      this.ex.backend = backend;
      if (retries === 0) {
        if (this.ex.role === 'primary')
          metrics.overhead.observe({ phase: 'dispatch' }, (performance.now() - this.ex.receivedAt) / 1000);
        for (const p of this.deps.plugins) p.onDispatch?.(this.ex);
        this.payload = this.ex.upstreamPayload(this.payload);
      }
      const attempt = await this.attempt(backend, release, retries);
      if ('answer' in attempt) return attempt.answer;
      release();
      const { failure } = attempt;
      metrics.upstreamErrors.inc({ backend: backend.name, kind: failure.kind });
      this.deps.passiveHealth.failure(backend, failure.kind, {
        request: this,
        retrying: this.canRetry(failure.kind, retries),
      });
      lastFailure = failure;
      if (this.canRetry(failure.kind, retries)) {
        metrics.upstreamRetries.inc({ reason: failure.kind });
        this.deps.log.info('retrying on another backend', {
          requestId: this.ex.id,
          backend: backend.name,
          kind: failure.kind,
        });
        continue;
      }
      // A server error that cannot move elsewhere reaches the client as the upstream sent it.
      if (attempt.response)
        return this.whole(attempt.response, await attempt.response.body.text().catch(() => ''), null);
      return this.fail(failure);
    }
  }

  /** One dispatch and the reading of its answer up to the point where the response starts. */
  private async attempt(backend: Backend, release: () => void, retries: number): Promise<Attempt> {
    const res = await this.send(backend, this.payload, this.ex.stream);
    if (!res.ok) return { failure: res };
    if (res.status >= 500) {
      const failure: Failure = { kind: 'http_5xx', message: `upstream answered ${res.status}` };
      if (this.canRetry('http_5xx', retries)) {
        await res.body.dump().catch(() => undefined);
        return { failure };
      }
      return { failure, response: res };
    }
    if (this.ex.stream && res.status === 200) return this.startStream(res, release);
    return this.readWhole(res, release);
  }

  /** One extra non-stream call on the exchange's backend (the tool-call retry policy). */
  private async resend(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const backend = this.ex.backend;
    if (!backend) throw new Error('no backend to resend to');
    const release = this.acquire(backend);
    try {
      const res = await this.send(backend, JSON.stringify({ ...body, model: this.ex.route!.upstreamModel }), false);
      if (!res.ok) throw new Error(res.message);
      const text = await res.body.text();
      if (res.status !== 200) throw new Error(`upstream answered ${res.status}`);
      const json: unknown = parseJson(text);
      if (!isObject(json)) throw new Error('upstream answer is not a JSON object');
      return json;
    } finally {
      release();
    }
  }

  /** One upstream call for this exchange, under its deadline and timeouts. */
  private send(backend: Backend, body: string | Buffer, stream: boolean) {
    return (this.deps.dispatch ?? dispatch)(backend, {
      path: PATHS[this.ex.endpoint],
      body,
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        'x-request-id': this.ex.id,
        ...(this.ex.role === 'shadow' ? { 'x-toolgate-shadow': '1' } : {}),
      },
      signal: this.controller.signal,
      firstByteMs: this.deps.cfg.timeouts.firstTokenMs,
      idleMs: this.deps.cfg.timeouts.idleMs,
    });
  }

  private canRetry(kind: FailureKind, retries: number): boolean {
    return shouldRetry(kind, {
      retries,
      budget: this.deps.cfg.retry.attempts,
      cancelled: this.controller.signal.aborted,
    });
  }

  /** Counts the request against the backend until `release` is called (idempotent). */
  private acquire(backend: Backend): () => void {
    return this.deps.router.acquire(backend);
  }

  /** The plugins' composed transform for one answer (fresh for every attempt). */
  private transform(): AnswerTransform | null {
    const ts: AnswerTransform[] = [];
    for (const p of this.deps.plugins) {
      const t = p.answer?.(this.ex);
      if (t) ts.push(t);
    }
    return composeTransforms(ts);
  }

  /** Non-stream answers, and any non-200 answer, are read whole and sent once. */
  private async readWhole(res: UpstreamResponse, release: () => void): Promise<Attempt> {
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      return { failure: classifyError(err, this.controller.signal) };
    } finally {
      release();
    }
    if (res.status !== 200 || this.ex.endpoint === 'tokenize') {
      // Any complete answer below 500 (a 4xx is the request's fault) says the backend works.
      this.deps.passiveHealth.success(this.ex.backend!, { request: this });
      return { answer: this.whole(res, text, null) };
    }
    let json: unknown;
    try {
      json = parseJson(text); // depth-limited: an upstream must not nest past what the walkers allow
    } catch {
      return { failure: { kind: 'bad_response', message: 'upstream answer is not JSON (or nests too deeply)' } };
    }
    if (!isObject(json) || !Array.isArray(json.choices) || !json.choices.every(isObject)) {
      return { failure: { kind: 'bad_response', message: 'upstream answer has no readable choices' } };
    }
    const clock = new RelayClock();
    let out = json;
    try {
      if (this.ex.endpoint === 'chat') out = await transformWhole(json, this.transform(), clock);
    } catch (err) {
      if (err instanceof BadUpstreamAnswer) return { failure: { kind: 'bad_response', message: err.message } };
      const refusal = asGatewayError(err);
      if (refusal) return { answer: this.refuse(refusal) };
      throw err;
    }
    this.deps.passiveHealth.success(this.ex.backend!, { request: this });
    if (this.ex.role === 'primary') this.deps.metrics.overhead.observe({ phase: 'relay' }, clock.ms / 1000);
    return { answer: this.whole(res, out === json ? text : JSON.stringify(out), out) };
  }

  private whole(res: UpstreamResponse, text: string, json: Record<string, unknown> | null): Answer {
    const now = performance.now();
    if (json) {
      this.ex.meter!.onChunk(json, now);
      if (this.ex.meter!.firstTokenAt === null) this.ex.meter!.onToken(now);
    }
    this.complete({ status: res.status, json, endedAt: performance.now() });
    const contentType = json ? 'application/json' : (res.headers['content-type'] ?? 'application/json');
    return {
      type: 'whole',
      status: res.status,
      headers: this.headers({ 'content-type': contentType }),
      text,
      json,
    };
  }

  /** Reads the stream until its first output; only then does the client's response start. */
  private async startStream(res: UpstreamResponse, release: () => void): Promise<Attempt> {
    const upstream = new UpstreamStream(res.body[Symbol.asyncIterator](), (e) => res.body.destroy(e), {
      firstEventMs: this.deps.cfg.timeouts.firstTokenMs,
      maxEventBytes: MAX_EVENT_BYTES,
      signal: this.controller.signal,
    });
    const flow = new StreamAnswerFlow(upstream, this.ex.endpoint === 'chat' ? this.transform() : null);
    const drop = () => {
      flow.close();
      res.body.destroy();
    };
    let first: FlowStep;
    try {
      first = await flow.next();
    } catch (err) {
      drop();
      release();
      const refusal = asGatewayError(err);
      if (refusal) return { answer: this.refuse(refusal) };
      throw err;
    }
    if (first.type === 'fail') {
      drop();
      const status = Number((first.error?.error as { code?: unknown } | undefined)?.code);
      // vLLM's in-stream error with a 4xx code is about the request: no retry, the client gets it.
      if (first.kind === 'upstream_error' && status >= 400 && status < 500) {
        release();
        this.deps.passiveHealth.success(this.ex.backend!, { request: this });
        this.complete({ status, json: null, endedAt: performance.now(), error: first });
        return {
          answer: {
            type: 'error',
            status,
            headers: this.headers({ 'content-type': 'application/json' }),
            body: first.error as unknown as OpenAIErrorBody,
          },
        };
      }
      return { failure: { kind: first.kind as FailureKind, message: first.message } };
    }
    this.deps.passiveHealth.success(this.ex.backend!, { request: this });
    return {
      answer: {
        type: 'stream',
        headers: this.headers({
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
        }),
        steps: this.steps(first, flow, res, release),
      },
    };
  }

  /** The started stream's steps, metered as they are handed out; the books close at its end. */
  private steps(first: FlowStep, flow: StreamAnswerFlow, res: UpstreamResponse, release: () => void): AnswerSteps {
    let pending: FlowStep | null = first;
    let over = false;
    const close = (step: FlowStep) => {
      if (over) return;
      over = true;
      release();
      if (this.ex.role === 'primary') this.deps.metrics.overhead.observe({ phase: 'relay' }, flow.clock.ms / 1000);
      if (step.type === 'fail' && step.kind !== 'rejected') {
        this.deps.metrics.upstreamErrors.inc({ backend: this.ex.backend!.name, kind: step.kind });
        if (step.kind !== 'aborted') this.deps.passiveHealth.failure(this.ex.backend!, step.kind, { request: this });
      }
      this.complete({
        status: 200,
        json: null,
        endedAt: performance.now(),
        error: step.type === 'fail' ? { kind: step.kind, message: step.message } : undefined,
      });
    };
    return {
      next: async () => {
        if (over) return { type: 'end' };
        let step: FlowStep;
        if (pending) {
          step = pending;
          pending = null;
        } else {
          try {
            step = await flow.next();
          } catch (err) {
            const refusal = asGatewayError(err);
            if (!refusal) throw err;
            flow.close();
            res.body.destroy();
            step = {
              type: 'fail',
              kind: 'rejected',
              message: refusal.message,
              error: refusal.toBody() as unknown as Record<string, unknown>,
            };
          }
        }
        if (step.type === 'out') {
          const now = performance.now();
          for (const c of step.chunks) this.ex.meter!.onChunk(c, now);
        } else close(step);
        return step;
      },
      cancel: () => {
        if (over) return;
        this.controller.abort({ kind: 'aborted' });
        flow.close();
        res.body.destroy();
        close({ type: 'fail', kind: 'aborted', message: 'client disconnected' });
      },
    };
  }

  /** The exchange's response headers, the backend's name, then `extra` (built by copying: see withFields). */
  private headers(extra: Record<string, string>, more?: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = {};
    for (const k in this.ex.responseHeaders) h[k] = this.ex.responseHeaders[k]!;
    if (this.ex.backend) h['x-toolgate-backend'] = this.ex.backend.name;
    if (more) for (const k in more) h[k] = more[k]!;
    for (const k in extra) h[k] = extra[k]!;
    return h;
  }

  /** A plugin refused the answer before the response started. */
  private refuse(err: GatewayError): Answer {
    this.complete({
      status: err.status,
      json: null,
      endedAt: performance.now(),
      error: { kind: err.code ?? 'rejected', message: err.message },
    });
    return {
      type: 'error',
      status: err.status,
      headers: this.headers({ 'content-type': 'application/json' }, err.headers),
      body: err.toBody(),
    };
  }

  /** Every upstream failed (or none is eligible): 503 when nothing could be reached, 504 on timeouts, else 502. */
  private fail(failure: Failure | null): Answer {
    let err: GatewayError;
    if (!failure || failure.kind === 'connect') {
      err = new GatewayError(
        503,
        failure
          ? `No upstream could be reached: ${failure.message}`
          : 'No healthy upstream is available for this model.',
        {
          code: 'no_healthy_upstream',
          headers: { 'retry-after': '1' },
        },
      );
    } else if (failure.kind.startsWith('timeout')) {
      err = new GatewayError(504, describeKind(failure.kind), { code: failure.kind });
    } else if (failure.kind === 'aborted') {
      err = new GatewayError(499, 'client closed the request', { code: 'client_closed_request' });
    } else {
      err = new GatewayError(502, failure.message, { code: `upstream_${failure.kind}`, type: 'upstream_error' });
    }
    this.complete({
      status: err.status,
      json: null,
      endedAt: performance.now(),
      error: failure ?? { kind: 'no_backend', message: err.message },
    });
    return {
      type: 'error',
      status: err.status,
      headers: this.headers({ 'content-type': 'application/json' }, err.headers),
      body: err.toBody(),
    };
  }

  private complete(result: ExchangeResult): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.totalTimer);
    const meter = this.ex.meter!;
    meter.finish(result.endedAt);
    const backend = this.ex.backend?.name ?? 'none';
    if (this.ex.role === 'primary')
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

/** The OpenAI error body for a failed step, as the error event a stream ends with. */
export function failureEvent(step: Extract<FlowStep, { type: 'fail' }>): Record<string, unknown> {
  if (step.error) return step.error;
  const type = step.kind === 'timeout_idle' || step.kind === 'timeout_total' ? 'timeout_error' : 'upstream_error';
  return errorBody(step.message, type, step.kind) as unknown as Record<string, unknown>;
}
