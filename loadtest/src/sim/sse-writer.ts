// Writes `data: ...\n\n` events to a response, with an optional stall after the first event
// (fault injection) that holds later events back and releases them in order.
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private pending: string[] = [];
  private stalled = false;
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  private events = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly stallMsAfterFirst = 0,
  ) {}

  get eventsWritten(): number {
    return this.events;
  }

  send(payload: unknown): void {
    this.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  }

  done(): void {
    this.send('[DONE]');
    this.end();
  }

  end(): void {
    this.ended = true;
    if (!this.stalled) this.res.end();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.pending = [];
  }

  private write(chunk: string): void {
    if (this.stalled) {
      this.pending.push(chunk);
      return;
    }
    if (this.res.destroyed) return;
    this.res.write(chunk);
    this.events++;
    if (this.events === 1 && this.stallMsAfterFirst > 0) {
      this.stalled = true;
      this.timer = setTimeout(() => {
        this.stalled = false;
        const queued = this.pending;
        this.pending = [];
        for (const c of queued) this.write(c);
        if (this.ended && !this.res.destroyed) this.res.end();
      }, this.stallMsAfterFirst);
    }
  }
}
