// Relays an upstream SSE stream to the client as a web ReadableStream. Without a transform the
// upstream bytes pass through unchanged (whole events only); with one, each parsed chunk is
// rewritten (tool-call repair). A failure after the first byte becomes one OpenAI-shaped error
// event followed by [DONE]; a client that goes away aborts the upstream request.
import { errorBody } from '../api/errors.js';
import { classifyError, type FailureKind } from './dispatch.js';
import { DONE_EVENT, formatEvent, SseSplitter, type SseEvent } from './sse.js';

/** Rewrites parsed stream chunks; `end` runs once at the upstream's [DONE] (or clean end). */
export interface ChunkTransform {
  chunk(chunk: Record<string, unknown>): Chunks | Promise<Chunks>;
  end(): Chunks | Promise<Chunks>;
}
type Chunks = Record<string, unknown>[];

export interface RelayObserver {
  /** Every parsed upstream chunk, at arrival. */
  onUpstreamChunk(chunk: unknown, now: number): void;
  /** Called once: ok, or the failure that ended the stream. */
  onEnd(result: { ok: true } | { ok: false; kind: FailureKind; message: string }): void;
  /** CPU time spent relaying (ms), reported once at the end. */
  onRelayTime(ms: number): void;
}

export interface RelayInput {
  /** Upstream body iterator; the first events were already read (see `prefetched`). */
  iterator: AsyncIterator<Buffer>;
  splitter: SseSplitter;
  prefetched: SseEvent[];
  transform: ChunkTransform | null;
  observer: RelayObserver;
  /** Aborts the upstream request (client went away). */
  abortUpstream: (reason: string) => void;
  signal: AbortSignal;
}

const encoder = new TextEncoder();

export function relayStream(input: RelayInput): ReadableStream<Uint8Array> {
  const { iterator, splitter, transform, observer } = input;
  let relayMs = 0;
  let finished = false;
  let sawDone = false;

  const finish = (result: Parameters<RelayObserver['onEnd']>[0]) => {
    if (finished) return;
    finished = true;
    observer.onRelayTime(relayMs);
    observer.onEnd(result);
  };

  /** Turns events into output text, applying the transform; marks [DONE]. */
  const render = async (events: SseEvent[]): Promise<string> => {
    let started = performance.now();
    let out = '';
    // Time spent waiting on a transform's own upstream calls (retry policy) is not relay work.
    const awaitTimed = async (v: Chunks | Promise<Chunks>): Promise<Chunks> => {
      if (!(v instanceof Promise)) return v;
      relayMs += performance.now() - started;
      const r = await v;
      started = performance.now();
      return r;
    };
    for (const ev of events) {
      if (ev.data === null) {
        if (!transform) out += ev.raw;
        continue;
      }
      if (ev.data.trim() === '[DONE]') {
        sawDone = true;
        if (transform) for (const c of await awaitTimed(transform.end())) out += formatEvent(JSON.stringify(c));
        out += transform ? DONE_EVENT : ev.raw;
        continue;
      }
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(ev.data);
      } catch {
        // Not JSON: pass it on untouched; nothing to measure.
      }
      observer.onUpstreamChunk(parsed, performance.now());
      if (transform && parsed && typeof parsed === 'object' && !('error' in parsed)) {
        for (const c of await awaitTimed(transform.chunk(parsed as Record<string, unknown>))) out += formatEvent(JSON.stringify(c));
      } else {
        out += transform ? formatEvent(ev.data) : ev.raw;
      }
    }
    relayMs += performance.now() - started;
    return out;
  };

  const failureTail = (kind: FailureKind, message: string): string =>
    formatEvent(JSON.stringify(errorBody(message, kind === 'timeout_idle' || kind === 'timeout_total' ? 'timeout_error' : 'upstream_error', kind))) +
    DONE_EVENT;

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const first = await render(input.prefetched);
      if (first) controller.enqueue(encoder.encode(first));
      if (sawDone) {
        controller.close();
        finish({ ok: true });
      }
    },
    async pull(controller) {
      if (finished) return;
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            // Upstream ended; a stream that never sent [DONE] is truncated.
            const rest = splitter.pending.trim();
            if (!sawDone) {
              if (rest) observer.onUpstreamChunk(undefined, performance.now());
              controller.enqueue(encoder.encode(failureTail('reset', 'upstream closed the stream before [DONE]')));
              controller.close();
              finish({ ok: false, kind: 'reset', message: 'upstream closed the stream before [DONE]' });
            } else {
              controller.close();
              finish({ ok: true });
            }
            return;
          }
          const out = await render(splitter.push(next.value));
          if (out) {
            controller.enqueue(encoder.encode(out));
            if (sawDone) {
              // vLLM ends with [DONE]; anything after it is ignored.
              controller.close();
              finish({ ok: true });
              void iterator.return?.();
            }
            return;
          }
        }
      } catch (err) {
        const { kind, message } = classifyError(err, input.signal);
        if (kind === 'aborted') {
          finish({ ok: false, kind, message });
          try {
            controller.close();
          } catch {
            /* already closed by cancel */
          }
          return;
        }
        controller.enqueue(encoder.encode(failureTail(kind, message)));
        controller.close();
        finish({ ok: false, kind, message });
      }
    },
    cancel(reason) {
      input.abortUpstream(String(reason ?? 'client disconnected'));
      finish({ ok: false, kind: 'aborted', message: 'client disconnected' });
    },
  });
}
