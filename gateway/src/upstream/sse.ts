// Incremental Server-Sent-Events framing: bytes in, complete events out. The proxy forwards only
// whole events, so an error event it appends after a failure never lands inside a half-written one.
// Linear in the input (each byte is scanned for a terminator once) and bounded: an event longer
// than `maxEventBytes` is an upstream that never terminates its events, and throws.

export interface SseEvent {
  /** The event's raw text including its terminating blank line, exactly as received. */
  raw: string;
  /** Concatenated `data:` payload (null when the event has no data field, e.g. a comment). */
  data: string | null;
}

export class SseEventTooLarge extends Error {}

export class SseSplitter {
  private buffer = '';
  /** Where the terminator search resumes (a terminator is at most 4 characters long). */
  private scanned = 0;
  /**
   * Whether the stream has shown a CR yet. vLLM ends lines with LF only; until a CR arrives the
   * CR terminators cannot occur, and searching for them would scan the whole rest of the buffer
   * once per event.
   */
  private sawCR = false;
  private readonly decoder = new TextDecoder();

  constructor(private readonly maxEventBytes = Infinity) {}

  /** Feeds a chunk; returns the events completed by it. */
  push(chunk: Uint8Array): SseEvent[] {
    const text = this.decoder.decode(chunk, { stream: true });
    if (!this.sawCR) this.sawCR = text.includes('\r');
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const from = Math.max(start, this.scanned - 3);
      const end = this.sawCR ? findEventEnd(this.buffer, from) : lfEventEnd(this.buffer, from);
      if (end < 0) break;
      const raw = this.buffer.slice(start, end);
      events.push({ raw, data: this.sawCR ? dataOf(raw) : lfDataOf(raw) });
      start = end;
      this.scanned = end;
    }
    if (start > 0) this.buffer = this.buffer.slice(start);
    this.scanned = this.buffer.length;
    if (this.buffer.length > this.maxEventBytes) {
      throw new SseEventTooLarge(`upstream stream event exceeds ${this.maxEventBytes} bytes without a terminator`);
    }
    return events;
  }

  /** Bytes received that do not yet form a complete event. */
  get pending(): string {
    return this.buffer;
  }
}

/** Index just past the first event terminator (\n\n, \r\n\r\n or \r\r) at or after `from`, or -1. */
function findEventEnd(s: string, from: number): number {
  const at = Math.max(0, from);
  const lf = s.indexOf('\n\n', at);
  const crlf = s.indexOf('\r\n\r\n', at);
  // Bare CR line ends are allowed by the SSE spec (WHATWG HTML §9.2.5); no engine we front sends them.
  const cr = s.indexOf('\r\r', at);
  let best = -1;
  if (lf >= 0) best = lf + 2;
  if (crlf >= 0 && (best < 0 || crlf + 4 < best)) best = crlf + 4;
  if (cr >= 0 && (best < 0 || cr + 2 < best)) best = cr + 2;
  return best;
}

/** findEventEnd for text without CR: only `\n\n` can end an event. */
function lfEventEnd(s: string, from: number): number {
  const lf = s.indexOf('\n\n', Math.max(0, from));
  return lf < 0 ? -1 : lf + 2;
}

/** dataOf for an event without CR, line by line with indexOf (no regex split, no line array). */
function lfDataOf(raw: string): string | null {
  let data: string | null = null;
  for (let at = 0; at < raw.length;) {
    let end = raw.indexOf('\n', at);
    if (end < 0) end = raw.length;
    if (raw.startsWith('data:', at)) {
      const value = raw.slice(raw.charCodeAt(at + 5) === 32 ? at + 6 : at + 5, end);
      data = data === null ? value : `${data}\n${value}`;
    }
    at = end + 1;
  }
  return data;
}

function dataOf(raw: string): string | null {
  let data: string | null = null;
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

export const formatEvent = (data: string): string => `data: ${data}\n\n`;
export const DONE_EVENT = 'data: [DONE]\n\n';
