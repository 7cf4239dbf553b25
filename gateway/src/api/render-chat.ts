// Renders an exchange's Answer (exchanger.ts) as the HTTP response of the OpenAI endpoints it
// proxies: an error or a whole answer as one body, a stream as SSE — the upstream's own bytes for
// untouched chunks, one `data:` event per rewritten chunk, an OpenAI error event and [DONE] when it
// ends badly. A client that goes away cancels the answer (and with it the upstream request).
import type { Answer, AnswerSteps } from './exchanger.js';
import { failureEvent } from './exchanger.js';
import { DONE_EVENT, formatEvent } from '../upstream/sse.js';

const encoder = new TextEncoder();

export function renderAnswer(answer: Answer): Response {
  switch (answer.type) {
    case 'error':
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
    case 'whole':
      return new Response(answer.text, { status: answer.status, headers: answer.headers });
    case 'stream':
      return new Response(sseBody(answer.steps), { status: 200, headers: answer.headers });
  }
}

function sseBody(steps: AnswerSteps): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = '';
      for (;;) {
        let step;
        try {
          step = await steps.next();
        } catch (err) {
          // A bug must not reset the client's connection mid-answer: end the stream in OpenAI's shape.
          steps.cancel();
          step = {
            type: 'fail' as const,
            kind: 'reset' as const,
            message: `internal gateway error: ${(err as Error)?.message ?? String(err)}`,
          };
        }
        if (step.type === 'out') {
          if (step.raw !== undefined) text += step.raw;
          else for (const c of step.chunks) text += formatEvent(JSON.stringify(c));
          if (text) break;
          continue;
        }
        if (step.type === 'fail') {
          if (step.kind === 'aborted') {
            controller.close();
            return;
          }
          text += formatEvent(JSON.stringify(failureEvent(step)));
        }
        controller.enqueue(encoder.encode(text + DONE_EVENT));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(text));
    },
    cancel() {
      steps.cancel();
    },
  });
}
