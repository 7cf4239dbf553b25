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
      const end = findEventEnd(this.buffer, from, this.sawCR);
      if (end < 0) break;
      const raw = this.buffer.slice(start, end);
      events.push({ raw, data: dataOf(raw, this.sawCR) });
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

/**
 * Index just past the first event terminator (\n\n, \r\n\r\n or \r\r) at or after `from`, or -1.
 * Without `cr` (no CR seen in the stream) only \n\n can occur.
 */
function findEventEnd(s: string, from: number, cr: boolean): number {
  const at = Math.max(0, from);
  const lf = s.indexOf('\n\n', at);
  let best = lf < 0 ? -1 : lf + 2;
  if (!cr) return best;
  const crlf = s.indexOf('\r\n\r\n', at);
  // Bare CR line ends are allowed by the SSE spec (WHATWG HTML §9.2.5); no engine we front sends them.
  const crcr = s.indexOf('\r\r', at);
  if (crlf >= 0 && (best < 0 || crlf + 4 < best)) best = crlf + 4;
  if (crcr >= 0 && (best < 0 || crcr + 2 < best)) best = crcr + 2;
  return best;
}

/**
 * The event's `data:` lines joined by \n, line by line with indexOf (no regex split, no line
 * array). Lines end in \n, \r\n or \r; without `cr` only \n is looked for.
 */
function dataOf(raw: string, cr: boolean): string | null {
  let data: string | null = null;
  for (let at = 0; at < raw.length;) {
    let end = raw.indexOf('\n', at);
    if (end < 0) end = raw.length;
    let next = end + 1;
    if (cr) {
      const c = raw.indexOf('\r', at);
      if (c >= 0 && c < end) {
        end = c;
        next = raw.charCodeAt(c + 1) === 10 ? c + 2 : c + 1;
      }
    }
    if (raw.startsWith('data:', at)) {
      const value = raw.slice(raw.charCodeAt(at + 5) === 32 ? at + 6 : at + 5, end);
      data = data === null ? value : `${data}\n${value}`;
    }
    at = next;
  }
  return data;
}

export const formatEvent = (data: string): string => `data: ${data}\n\n`;
export const DONE_EVENT = 'data: [DONE]\n\n';
