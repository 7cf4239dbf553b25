// The Responses API routes: POST /v1/responses (a ResponseRun, answered whole or as SSE events
// `event: <type>` / `data: <json>` as vLLM and OpenAI send them, without [DONE]),
// GET /v1/responses/{id} and DELETE /v1/responses/{id} on the store. Auth and rate limits are
// the /v1/* middlewares; an error before the response starts is an HTTP error in OpenAI's shape.
import type { Context, Hono } from 'hono';
import { GatewayError } from '../api/errors.js';
import { nodeIncoming, onClientGone, requestHeaders } from '../api/node-bindings.js';
import { readJsonBody } from '../api/read-body.js';
import type { Obj } from './protocol.js';
import { readResponsesRequest } from './request.js';
import { RefusedResponse, ResponseRun, type ResponsesDeps } from './run.js';

const encoder = new TextEncoder();
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

const notFound = (id: string) =>
  new GatewayError(404, `Response with id '${id}' not found.`, {
    type: 'invalid_request_error',
    param: 'response_id',
    code: 'response_not_found',
  });

export function mountResponses(app: Hono, deps: ResponsesDeps): void {
  app.post('/v1/responses', (c) => create(c, deps));
  app.get('/v1/responses/:id', async (c) => {
    const id = c.req.param('id');
    if (c.req.query('stream') === 'true') {
      throw new GatewayError(
        400,
        'Streaming a stored response is only for background responses, which this gateway does not run.',
        { param: 'stream', code: 'unsupported_parameter' },
      );
    }
    const entry = await deps.store.get(id);
    if (!entry) throw notFound(id);
    return c.json(entry.response);
  });
  app.delete('/v1/responses/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await deps.store.delete(id))) throw notFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });
}

async function create(c: Context, deps: ResponsesDeps): Promise<Response> {
  const receivedAt = performance.now();
  const { body } = await readJsonBody(nodeIncoming(c) ?? c.req.raw, deps.cfg.server.bodyLimitBytes);
  const req = readResponsesRequest(body);
  const requestId: string = c.get('requestId');
  const run = new ResponseRun(deps, req, { requestId, receivedAt, headers: requestHeaders(c) });
  let started = false;
  onClientGone(c, () => {
    if (!started) run.cancel();
  });
  const events = run.events();
  let first: IteratorResult<Obj>;
  try {
    first = await events.next();
  } catch (err) {
    if (!(err instanceof RefusedResponse)) throw err;
    return new Response(JSON.stringify(err.body), {
      status: err.status,
      headers: { ...err.headers, 'x-request-id': requestId, 'content-type': 'application/json' },
    });
  }
  started = true;
  if (!req.stream) {
    return new Response(JSON.stringify(run.response), {
      status: 200,
      headers: { ...run.wholeHeaders(), 'x-request-id': requestId, 'content-type': 'application/json' },
    });
  }
  return new Response(sse(first, events, run), {
    status: 200,
    headers: { ...run.headers, 'x-request-id': requestId, ...SSE_HEADERS },
  });
}

const frame = (e: Obj) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`;

function sse(first: IteratorResult<Obj>, events: AsyncGenerator<Obj>, run: ResponseRun): ReadableStream<Uint8Array> {
  let pendingFirst: IteratorResult<Obj> | null = first;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<Obj>;
      try {
        next = pendingFirst ?? (await events.next());
      } catch (err) {
        // A bug must not reset the client's connection mid-answer: end the stream in OpenAI's shape.
        controller.enqueue(
          encoder.encode(
            frame({
              type: 'error',
              code: 'internal_error',
              message: `internal gateway error: ${(err as Error)?.message ?? String(err)}`,
              param: null,
            }),
          ),
        );
        controller.close();
        return;
      }
      pendingFirst = null;
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(frame(next.value)));
    },
    cancel() {
      run.cancel();
      void events.return(undefined).catch(() => undefined);
    },
  });
}
