// Reads an upstream SSE answer event by event: parsed chunks, vLLM's in-stream error event, the
// final [DONE], or the end of the body. Every chunk's shape is checked before anything else reads
// it, the first event has its own deadline, and one event may not grow without bound — so an
// odd or hostile upstream becomes a classified failure, never a crash or an unbounded buffer.
import { classifyError, describeKind, type FailureKind } from './dispatch.js';
import { SseSplitter, type SseEvent } from './sse.js';
import { JsonDepthError, parseJson } from '../toolcalls/index.js';
import type { CancelSignal } from './cancel.js';

export type UpstreamItem =
  /** A chat/completions chunk, with the exact event text it came in. */
  | { type: 'chunk'; chunk: Record<string, unknown>; raw: string }
  /** vLLM's in-stream error (`data: {"error": …}`), which it follows with [DONE]. */
  | { type: 'error'; error: Record<string, unknown>; raw: string }
  /** A comment or a data line that is not JSON (relayed only when the answer is untouched). */
  | { type: 'other'; raw: string }
  | { type: 'done'; raw: string };

export class UpstreamFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Longest stretch of buffered events handled before other work gets a turn. */
const YIELD_EVERY_MS = 5;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface UpstreamStreamOptions {
  /** Deadline for the first complete event (the first-token timeout). */
  firstEventMs: number;
  /** Largest single event; a longer one is a broken upstream (no terminator). */
  maxEventBytes: number;
  signal: CancelSignal;
}

export class UpstreamStream {
  private readonly splitter: SseSplitter;
  private queue: SseEvent[] = [];
  private head = 0;
  private sawFirst = false;
  /** performance.now() by which the first complete event must have arrived (set at the first read). */
  private firstEventDeadline: number | null = null;
  private ended = false;
  /** When this answer last let the event loop run (a read, or a deliberate yield). */
  private lastYield = performance.now();

  constructor(
    private readonly iterator: AsyncIterator<Buffer>,
    private readonly destroy: (err: Error) => void,
    private readonly opts: UpstreamStreamOptions,
  ) {
    this.splitter = new SseSplitter(opts.maxEventBytes);
  }

  /** Whether a complete event is already buffered (the next `next()` needs no read). */
  get buffered(): boolean {
    return this.head < this.queue.length;
  }

  /** The next item, or null when the body ended (without [DONE] that means it was cut off). */
  async next(): Promise<UpstreamItem | null> {
    const ev = await this.nextEvent();
    return ev === null ? null : classify(ev);
  }

  /** Stops reading (client gone, or the answer is complete). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    void this.iterator.return?.();
  }

  private async nextEvent(): Promise<SseEvent | null> {
    // Events already buffered are handed out without I/O; a large read holds thousands of them, so
    // yield now and then: one answer's backlog must not keep /health or other requests waiting.
    if (this.head < this.queue.length && performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      this.lastYield = performance.now();
    }
    while (this.head >= this.queue.length) {
      if (this.ended) return null;
      const chunk = await this.read();
      if (chunk === null) {
        this.ended = true;
        return null;
      }
      try {
        this.queue = this.splitter.push(chunk);
      } catch (err) {
        this.close();
        throw new UpstreamFailure('bad_response', (err as Error).message);
      }
    }
    this.sawFirst = true;
    const ev = this.queue[this.head++]!;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return ev;
  }

  private async read(): Promise<Buffer | null> {
    const now = performance.now();
    this.lastYield = now;
    let timer: NodeJS.Timeout | null = null;
    if (!this.sawFirst) {
      // One deadline from the first read: bytes that never complete an event must not extend it.
      this.firstEventDeadline ??= now + this.opts.firstEventMs;
      const left = Math.max(0, Math.round(this.firstEventDeadline - now)); // whole ms: float noise aside
      timer = setTimeout(
        () => this.destroy(Object.assign(new Error('first token timeout'), { firstToken: true })),
        left,
      );
    }
    try {
      const next = await this.iterator.next();
      return next.done ? null : next.value;
    } catch (err) {
      if ((err as { firstToken?: boolean }).firstToken)
        throw new UpstreamFailure('timeout_first_token', describeKind('timeout_first_token'));
      const { kind, message } = classifyError(err, this.opts.signal);
      throw new UpstreamFailure(kind, message);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

function classify(ev: SseEvent): UpstreamItem {
  if (ev.data === null) return { type: 'other', raw: ev.raw };
  if (ev.data.trim() === '[DONE]') return { type: 'done', raw: ev.raw };
  let parsed: unknown;
  try {
    parsed = parseJson(ev.data);
  } catch (err) {
    // Nesting beyond the limit is an answer no walker may read; plain non-JSON is relayed as is.
    if (err instanceof JsonDepthError)
      throw new UpstreamFailure('bad_response', 'upstream stream event nests too deeply');
    return { type: 'other', raw: ev.raw };
  }
  if (isObject(parsed) && isObject(parsed.error)) return { type: 'error', error: parsed, raw: ev.raw };
  if (!isObject(parsed) || !Array.isArray(parsed.choices) || !parsed.choices.every(isObject)) {
    throw new UpstreamFailure('bad_response', 'upstream sent a stream event that is not a completion chunk');
  }
  return { type: 'chunk', chunk: parsed, raw: ev.raw };
}
