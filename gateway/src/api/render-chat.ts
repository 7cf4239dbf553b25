// Renders an exchange's Answer (exchanger.ts) as the HTTP response of the OpenAI endpoints it
// proxies: an error or a whole answer as one body, a stream as SSE — the upstream's own bytes for
// untouched chunks, one `data:` event per rewritten chunk, an OpenAI error event and [DONE] when it
// ends badly. A client that goes away cancels the answer (and with it the upstream request).
//
// Under @hono/node-server the answer is written straight to Node's ServerResponse (writeAnswer):
// a Fetch Response, and for streams a web ReadableStream read back by the adapter, cost several
// promises and copies per event (measured in bench/results/peers.json). renderAnswer builds the
// Response for app.request() (tests); both read the stream through the same SseText.
import type { ServerResponse } from 'node:http';
import type { Answer, AnswerSteps } from './exchanger.js';
import { failureEvent } from './exchanger.js';
import { DONE_EVENT, formatEvent } from '../upstream/sse.js';

const encoder = new TextEncoder();

/** A started stream as SSE text: each piece is what one step adds; `last` once it ended. */
class SseText {
  private over = false;

  constructor(private readonly steps: AnswerSteps) {}

  /** The next text to send (empty with `last` when the client went away: send nothing more). */
  async next(): Promise<{ text: string; last: boolean }> {
    let text = '';
    for (;;) {
      let step;
      try {
        step = await this.steps.next();
      } catch (err) {
        // A bug must not reset the client's connection mid-answer: end the stream in OpenAI's shape.
        this.steps.cancel();
        step = {
          type: 'fail' as const,
          kind: 'reset' as const,
          message: `internal gateway error: ${(err as Error)?.message ?? String(err)}`,
        };
      }
      if (step.type === 'out') {
        if (step.raw !== undefined) text += step.raw;
        else for (const c of step.chunks) text += formatEvent(JSON.stringify(c));
        if (text) return { text, last: false };
        continue;
      }
      this.over = true;
      if (step.type === 'fail') {
        if (step.kind === 'aborted') return { text, last: true };
        text += formatEvent(JSON.stringify(failureEvent(step)));
      }
      return { text: text + DONE_EVENT, last: true };
    }
  }

  /** The consumer went away: stop the answer (and the upstream request) unless it already ended. */
  cancel(): void {
    if (this.over) return;
    this.over = true;
    this.steps.cancel();
  }
}

/** The answer as a Fetch Response (outside Node: app.request() in tests). */
export function renderAnswer(answer: Answer): Response {
  switch (answer.type) {
    case 'error':
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
    case 'whole':
      return new Response(answer.text, { status: answer.status, headers: answer.headers });
    case 'stream': {
      const sse = new SseText(answer.steps);
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { text, last } = await sse.next();
          if (text) controller.enqueue(encoder.encode(text));
          if (last) controller.close();
        },
        cancel: () => sse.cancel(),
      });
      return new Response(body, { status: 200, headers: answer.headers });
    }
  }
}

/**
 * Writes the answer to Node's response, with `added` headers (addResponseHeaders) first. A stream
 * is written as its steps come, holding back while the socket's buffer is full; a client that
 * goes away mid-stream cancels it.
 */
export function writeAnswer(answer: Answer, out: ServerResponse, added?: Record<string, string>): void {
  const headers = added ? { ...added, ...answer.headers } : answer.headers;
  if (answer.type !== 'stream') {
    const text = answer.type === 'error' ? JSON.stringify(answer.body) : answer.text;
    headers['content-length'] = String(Buffer.byteLength(text));
    out.writeHead(answer.status, headers);
    out.end(text);
    return;
  }
  const sse = new SseText(answer.steps);
  if (out.destroyed) {
    sse.cancel();
    return;
  }
  out.once('close', () => sse.cancel());
  out.writeHead(200, headers);
  pump(sse, out).catch(() => {
    sse.cancel();
    out.destroy();
  });
}

async function pump(sse: SseText, out: ServerResponse): Promise<void> {
  for (;;) {
    const { text, last } = await sse.next();
    if (out.destroyed) return;
    if (last) {
      out.end(text);
      return;
    }
    if (!out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
      if (out.destroyed) return;
    }
  }
}
