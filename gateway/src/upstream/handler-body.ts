// An upstream answer read through undici's handler API (undici 7, lib/handler/unwrap-handler.js:
// onRequestStart, onResponseStart, onResponseData, onResponseEnd, onResponseError) into a queue
// of buffers. `undici.request()` wraps every answer in a Readable stream, with an async iterator
// over it and an AbortSignal listener inside undici; per request those cost ~30% of a minimal
// proxy's CPU (measured against `request()` + `body.text()` in one run), and per streamed event
// a promise chain through the Readable's iterator. Here the body is read whole with text(), or
// event by event with the iterator, which pauses the socket while more than HIGH_WATER bytes
// wait unread (the backpressure a Readable gives).
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CancelSignal } from './cancel.js';

type Controller = Dispatcher.DispatchController;

/** Unread bytes above which the upstream socket is paused until the reader catches up. */
const HIGH_WATER = 64 * 1024;

/** The answer's body, with the part of undici's body API the exchanger uses. */
export class HandlerBody implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private unread = 0;
  private ended = false;
  private error: Error | null = null;
  private discard = false;
  private wakers: Array<() => void> = [];

  constructor(private readonly controller: Controller) {}

  /** @internal the handler's side */
  push(chunk: Buffer): void {
    if (this.discard || this.ended) return;
    this.chunks.push(chunk);
    this.unread += chunk.length;
    if (this.unread > HIGH_WATER && !this.controller.paused) this.controller.pause();
    this.notify();
  }

  /** @internal */
  end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.notify();
  }

  private notify(): void {
    if (this.wakers.length > 0) for (const wake of this.wakers.splice(0)) wake();
  }

  private waitForMore(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  async text(): Promise<string> {
    while (!this.ended) await this.waitForMore();
    if (this.error) throw this.error;
    const rest = this.chunks.slice(this.head);
    return (rest.length === 1 ? rest[0]! : Buffer.concat(rest)).toString('utf8');
  }

  /** Reads the rest and drops it (the connection stays reusable). */
  async dump(): Promise<void> {
    this.discard = true;
    this.chunks.length = 0;
    this.head = 0;
    if (this.controller.paused) this.controller.resume();
    while (!this.ended) await this.waitForMore();
  }

  /** Stops the request (the client left, a deadline passed); a pending read fails with `err`. */
  destroy(err?: Error): void {
    if (this.ended) return;
    const e = err ?? Object.assign(new Error('body destroyed'), { name: 'AbortError' });
    this.end(e);
    this.controller.abort(e);
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: async (): Promise<IteratorResult<Buffer>> => {
        while (this.head >= this.chunks.length && !this.ended) await this.waitForMore();
        if (this.head < this.chunks.length) {
          const chunk = this.chunks[this.head]!;
          this.chunks[this.head++] = EMPTY;
          this.unread -= chunk.length;
          if (this.head === this.chunks.length) {
            this.chunks.length = 0;
            this.head = 0;
          }
          if (this.controller.paused && this.unread <= HIGH_WATER / 2) this.controller.resume();
          return { value: chunk, done: false };
        }
        if (this.error) throw this.error;
        return { value: undefined, done: true };
      },
      return: async (): Promise<IteratorResult<Buffer>> => {
        this.destroy();
        return { value: undefined, done: true };
      },
    };
  }
}

const EMPTY = Buffer.alloc(0);

export interface HandlerResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: HandlerBody;
}

/**
 * Sends one request on `dispatcher` and resolves at the response's start (its headers), or
 * rejects with undici's error when the request fails before that. `signal` aborts it at any point.
 */
export function dispatchWithHandler(
  dispatcher: Dispatcher,
  opts: Dispatcher.DispatchOptions,
  signal: CancelSignal,
): Promise<HandlerResponse> {
  return new Promise((resolve, reject) => {
    let controller: Controller | null = null;
    let body: HandlerBody | null = null;
    const abortReason = (): Error =>
      signal.reason instanceof Error
        ? signal.reason
        : Object.assign(new Error('request aborted'), { name: 'AbortError' });
    const onAbort = () => {
      const reason = abortReason();
      body?.end(reason);
      controller?.abort(reason);
    };
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
        body = new HandlerBody(c);
        resolve({ status: statusCode, headers, body });
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
