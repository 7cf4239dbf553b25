// A scripted upstream for unit tests of the exchanger (api/exchanger.ts): a Dispatch (upstream/
// dispatch.ts's contract) that records every call and answers each with what the test scripted —
// a failure classified before the response, or a response whose body the test writes. Bodies
// behave as undici's do where the exchanger relies on it: the request's signal destroys them,
// destroy(err) fails the pending read, text() and dump() consume them. Also the builders (chunks,
// completions, SSE events) and step readers the exchanger and answer-flow unit tests share.
import { PassThrough } from 'node:stream';
import type { FlowStep } from '../../src/api/answer-flow.js';
import type { Chunk } from '../../src/api/answer-transform.js';
import type { Backend } from '../../src/routing/backend.js';
import {
  classifyError,
  describeKind,
  type Dispatch,
  type DispatchOptions,
  type FailureKind,
  type UpstreamResponse,
} from '../../src/upstream/dispatch.js';

export class FakeBody extends PassThrough {
  dumped = false;

  constructor() {
    super();
    // undici's body errors reach whoever reads it; an unread body destroyed with an error must not
    // become an uncaught 'error' event here either.
    this.on('error', () => undefined);
  }

  /** Writes one SSE event whose data is `data` (objects as JSON). */
  event(data: string | object): this {
    this.write(sseEvent(data));
    return this;
  }

  async text(): Promise<string> {
    const parts: Buffer[] = [];
    for await (const c of this) parts.push(c as Buffer);
    return Buffer.concat(parts).toString('utf8');
  }

  async dump(): Promise<void> {
    this.dumped = true;
    this.destroy();
  }
}

export const sseEvent = (data: string | object): string =>
  `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** A response as undici hands it over: `body` is written whole and ended unless it is a FakeBody. */
export function response(
  status: number,
  body: string | FakeBody = '',
  headers: Record<string, string> = {},
): UpstreamResponse & { body: FakeBody } {
  let b: FakeBody;
  if (body instanceof FakeBody) b = body;
  else {
    b = new FakeBody();
    b.end(body);
  }
  return { ok: true, status, headers, body: b };
}

/** A failure before the response (what dispatch returns for a refused connection, a reset, …). */
export const failure = (kind: FailureKind, message = describeKind(kind)) => ({ ok: false as const, kind, message });

/** Never answers: the call ends only when its signal aborts (the client left, the deadline passed). */
export const HANG = 'hang' as const;

type Reply = UpstreamResponse | ReturnType<typeof failure> | typeof HANG;

export interface FakeCall {
  backend: Backend;
  opts: DispatchOptions;
  /** The request body as sent. */
  body: string;
}

export class FakeUpstream {
  readonly calls: FakeCall[] = [];
  private readonly replies: Reply[] = [];

  /** Scripts the answer to the next call, in order. */
  reply(...replies: Reply[]): this {
    this.replies.push(...replies);
    return this;
  }

  readonly dispatch: Dispatch = async (backend, opts) => {
    this.calls.push({ backend, opts, body: opts.body.toString() });
    const reply = this.replies.shift();
    if (!reply) throw new Error(`fake upstream: no reply scripted for call ${this.calls.length}`);
    const { signal } = opts;
    const aborted = () => ({ ok: false as const, ...classifyError(new Error('This operation was aborted'), signal) });
    if (signal.aborted) return aborted();
    if (reply === HANG)
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(aborted()), { once: true }));
    if (reply.ok) {
      const body = reply.body as FakeBody;
      signal.addEventListener(
        'abort',
        () => body.destroy(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })),
        { once: true },
      );
    }
    return reply;
  };
}

/** A chat.completion.chunk with one choice's delta. */
export const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** A whole chat.completion with one choice. */
export const completion = (message: Record<string, unknown>, finish = 'stop') => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

/** Records every value a backend's in-flight count takes, to check it is acquired and released once. */
export function trackInflight(backend: Backend): number[] {
  const history: number[] = [];
  let value = backend.inflight;
  Object.defineProperty(backend, 'inflight', {
    get: () => value,
    set: (v: number) => {
      value = v;
      history.push(v);
    },
  });
  return history;
}

/** Every step of an answer (the exchanger's steps or a flow), through its end or failure. */
export async function drain(steps: { next(): Promise<FlowStep> }): Promise<FlowStep[]> {
  const out: FlowStep[] = [];
  for (;;) {
    const step = await steps.next();
    out.push(step);
    if (step.type !== 'out') return out;
  }
}

/** The first choice's delta content of a chunk, and a copy of the chunk with other content. */
export const content = (c: Chunk): string =>
  (c.choices as Array<{ delta: { content?: string } }>)[0]!.delta.content ?? '';
export const withContent = (c: Chunk, text: string): Chunk => ({
  ...c,
  choices: [{ ...(c.choices as object[])[0], delta: { content: text } }],
});
