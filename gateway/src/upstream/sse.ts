// Incremental Server-Sent-Events framing: bytes in, complete events out. The proxy forwards only
// whole events, so an error event it appends after a failure never lands inside a half-written one.

export interface SseEvent {
  /** The event's raw text including its terminating blank line, exactly as received. */
  raw: string;
  /** Concatenated `data:` payload (null when the event has no data field, e.g. a comment). */
  data: string | null;
}

export class SseSplitter {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  /** Feeds a chunk; returns the events completed by it. */
  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    for (;;) {
      const end = findEventEnd(this.buffer);
      if (end < 0) break;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      events.push({ raw, data: dataOf(raw) });
    }
    return events;
  }

  /** Bytes received that do not yet form a complete event. */
  get pending(): string {
    return this.buffer;
  }
}

/** Index just past the first event terminator (\n\n, \r\n\r\n or \r\r), or -1. */
function findEventEnd(s: string): number {
  const lf = s.indexOf('\n\n');
  const crlf = s.indexOf('\r\n\r\n');
  let best = -1;
  if (lf >= 0) best = lf + 2;
  if (crlf >= 0 && (best < 0 || crlf + 4 < best)) best = crlf + 4;
  return best;
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
