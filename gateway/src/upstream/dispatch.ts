// Sends one request to one backend through its keep-alive pool and classifies what happened
// before the response started: a failure here is something the proxy may retry elsewhere,
// because nothing has reached the client yet.
import { errors as undiciErrors } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Backend } from '../routing/backend.js';
import { dispatchWithHandler } from './handler-body.js';
import type { CancelSignal } from './cancel.js';

export type FailureKind =
  | 'connect'
  | 'reset'
  | 'timeout_first_token'
  | 'timeout_idle'
  | 'timeout_total'
  | 'http_5xx'
  /** An answer the gateway cannot read as a completion (not JSON, odd shape, unterminated event). */
  | 'bad_response'
  /** vLLM's in-stream error event. */
  | 'upstream_error'
  | 'aborted';

export interface UpstreamResponse {
  ok: true;
  status: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown; dump(): Promise<void>; text(): Promise<string> };
}

export interface UpstreamFailure {
  ok: false;
  kind: FailureKind;
  message: string;
}

export interface DispatchOptions {
  path: string;
  body: string | Buffer;
  headers: Record<string, string>;
  signal: CancelSignal;
  /** Dispatch → response headers. */
  firstByteMs: number;
  /** Longest gap between body chunks. */
  idleMs: number;
}

/** One upstream call: `dispatch` below; unit tests hand the exchanger a fake (ProxyDeps.dispatch). */
export type Dispatch = (backend: Backend, opts: DispatchOptions) => Promise<UpstreamResponse | UpstreamFailure>;

export async function dispatch(backend: Backend, opts: DispatchOptions): Promise<UpstreamResponse | UpstreamFailure> {
  try {
    // Straight to the backend's pool: no URL to parse, no dispatcher to look up per request.
    const res = await dispatchWithHandler(
      backend.dispatcher,
      {
        origin: backend.origin,
        path: backend.basePath + opts.path,
        method: 'POST',
        headers: opts.headers,
        body: opts.body,
        headersTimeout: opts.firstByteMs,
        bodyTimeout: opts.idleMs,
      },
      opts.signal,
    );
    return { ok: true, status: res.status, headers: res.headers, body: res.body };
  } catch (err) {
    return { ok: false, ...classifyError(err, opts.signal) };
  }
}

/** Maps undici/socket errors to a bounded failure kind (also used for errors while reading the body). */
export function classifyError(err: unknown, signal?: CancelSignal): { kind: FailureKind; message: string } {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const message = e?.message ?? String(err);
  if (signal?.aborted) {
    const reason = signal.reason as { kind?: FailureKind } | undefined;
    return { kind: reason?.kind ?? 'aborted', message: reason?.kind ? describeKind(reason.kind) : 'request aborted' };
  }
  if (err instanceof undiciErrors.HeadersTimeoutError)
    return { kind: 'timeout_first_token', message: describeKind('timeout_first_token') };
  if (err instanceof undiciErrors.BodyTimeoutError)
    return { kind: 'timeout_idle', message: describeKind('timeout_idle') };
  if (err instanceof undiciErrors.ConnectTimeoutError)
    return { kind: 'connect', message: `connect timeout: ${message}` };
  const code = e?.code ?? e?.cause?.code;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'EAI_AGAIN'
  ) {
    return { kind: 'connect', message: `connect failed (${code})` };
  }
  return { kind: 'reset', message: `upstream connection failed: ${message}` };
}

export function describeKind(kind: FailureKind): string {
  switch (kind) {
    case 'timeout_first_token':
      return 'upstream did not start answering within the first-token timeout';
    case 'timeout_idle':
      return 'upstream stalled: no data within the idle timeout';
    case 'timeout_total':
      return 'request exceeded the total timeout';
    case 'connect':
      return 'could not connect to the upstream';
    case 'http_5xx':
      return 'upstream answered with a server error';
    case 'aborted':
      return 'request aborted';
    case 'bad_response':
      return 'upstream answered with something that is not a completion';
    case 'upstream_error':
      return 'upstream reported an error inside its stream';
    default:
      return 'upstream connection reset';
  }
}
