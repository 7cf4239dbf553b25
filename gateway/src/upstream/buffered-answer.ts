// A whole (non-stream) upstream answer read through undici's handler API straight into a list
// of buffers: no Readable stream, no per-request body object machinery, no AbortSignal listener
// inside undici. `undici.request()` builds all of those for every call; for an answer that is
// read whole anyway they cost ~30% of a minimal proxy's CPU per request (measured against
// `request()` + `body.text()` in one run). Streams keep `request()`'s Readable (backpressure).
// The handler contract is undici 7's (lib/handler/unwrap-handler.js: onRequestStart,
// onResponseStart, onResponseData, onResponseEnd, onResponseError).
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;

/** The body of a buffered answer, with the part of undici's body API the exchanger uses. */
export class BufferedBody implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private error: Error | null = null;
  private discard = false;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(private readonly abort: (err: Error) => void) {}

  /** @internal the handler's side */
  push(chunk: Buffer): void {
    if (!this.discard) this.chunks.push(chunk);
  }

  /** @internal */
  end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    for (const w of this.waiters.splice(0)) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  private whenEnded(): Promise<void> {
    if (this.ended) return this.error ? Promise.reject(this.error) : Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async text(): Promise<string> {
    await this.whenEnded();
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    return buf.toString('utf8');
  }

  /** Reads the rest and drops it (the connection stays reusable). */
  async dump(): Promise<void> {
    this.discard = true;
    this.chunks.length = 0;
    await this.whenEnded().catch(() => undefined);
  }

  destroy(err?: Error): void {
    if (this.ended) return;
    const e = err ?? new Error('body destroyed');
    this.abort(e);
    this.end(e);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    await this.whenEnded();
    yield* this.chunks;
  }
}

export interface BufferedStart {
  status: number;
  headers: IncomingHttpHeaders;
  body: BufferedBody;
}

/**
 * Sends one request on `dispatcher` and resolves at the response's start (its headers), or
 * rejects with undici's error when the request fails before that. `signal` aborts it at any point.
 */
export function dispatchBuffered(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal: AbortSignal,
): Promise<BufferedStart> {
  return new Promise((resolve, reject) => {
    let controller: Controller | null = null;
    let body: BufferedBody | null = null;
    const abortReason = () =>
      signal.reason instanceof Error
        ? signal.reason
        : Object.assign(new Error('request aborted'), { name: 'AbortError' });
    const onAbort = () => controller?.abort(abortReason());
    const settle = () => signal.removeEventListener('abort', onAbort);
    if (signal.aborted) {
      reject(abortReason());
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(opts, {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) c.abort(abortReason()); // aborted while queued for a connection
      },
      onResponseStart(c, statusCode, headers) {
        body = new BufferedBody((e) => c.abort(e));
        resolve({ status: statusCode, headers: headers, body });
      },
      onResponseData(_c, chunk) {
        body?.push(chunk);
      },
      onResponseEnd() {
        settle();
        body?.end(null);
      },
      onResponseError(_c, err) {
        settle();
        if (body) body.end(err);
        else reject(err);
      },
    });
  });
}
