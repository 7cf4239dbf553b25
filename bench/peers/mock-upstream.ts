// The fast mock upstream of `npm run bench:peers`: a vLLM-shaped OpenAI server that answers every
// chat completion with one precomputed tool call, so that what a benchmark measures is the
// gateway in front of it, not an engine. Non-stream: one JSON body (vLLM 0.33's shape, hermes
// tool parser). Stream: 16 SSE events, each its own write (role, call header, 12 argument
// fragments, finish, [DONE]). Also /health, /v1/models and a zero /metrics so that gateways
// that probe their backends see a healthy vLLM.
//   node --import tsx bench/peers/mock-upstream.ts --port N [--workers N]
// With --workers > 1 it forks a cluster so the load side can keep up on a bigger machine.
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { MOCK_MODEL } from './requests.js';
const CREATED = 1_760_000_000;
const ARGS = '{"city": "Paris", "unit": "celsius"}';

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: CREATED,
    model: MOCK_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          reasoning: null,
          tool_calls: [
            { id: 'chatcmpl-tool-mock0001', type: 'function', function: { name: 'get_weather', arguments: ARGS } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
        stop_reason: null,
      },
    ],
    usage: { prompt_tokens: 180, total_tokens: 201, completion_tokens: 21 },
    prompt_logprobs: null,
  }),
);

/** The 16 SSE events of a streamed tool call, as vLLM's hermes parser emits them. */
export function streamEvents(): Buffer[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: CREATED, model: MOCK_MODEL, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' })];
  events.push(
    chunk({
      tool_calls: [{ index: 0, id: 'chatcmpl-tool-mock0001', type: 'function', function: { name: 'get_weather' } }],
    }),
  );
  const step = Math.ceil(ARGS.length / 12);
  for (let i = 0; i < 12; i++)
    events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: ARGS.slice(i * step, (i + 1) * step) } }] }));
  events.push(chunk({}, 'tool_calls'));
  events.push('data: [DONE]\n\n');
  return events.map((e) => Buffer.from(e));
}

const events = streamEvents();
const models = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [
      {
        id: MOCK_MODEL,
        object: 'model',
        created: CREATED,
        owned_by: 'vllm',
        root: MOCK_MODEL,
        parent: null,
        max_model_len: 40960,
      },
    ],
  }),
);
const metrics = Buffer.from(
  'vllm:num_requests_running{model_name="Qwen/Qwen3-0.6B"} 0\nvllm:num_requests_waiting{model_name="Qwen/Qwen3-0.6B"} 0\nvllm:kv_cache_usage_perc{model_name="Qwen/Qwen3-0.6B"} 0\n',
);

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'POST') {
    // Streaming is decided from the body; only the `"stream": true` token is looked for, so the
    // mock does not parse JSON it never uses.
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (/"stream"\s*:\s*true/.test(body.toString('latin1'))) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        for (const e of events) res.write(e);
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
        res.end(completion);
      }
    });
    return;
  }
  const url = req.url ?? '/';
  if (url === '/health') {
    res.writeHead(200, { 'content-length': 0 }).end();
  } else if (url.startsWith('/v1/models')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': models.length }).end(models);
  } else if (url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': metrics.length }).end(metrics);
  } else {
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":"not_found"}}');
  }
}

function main(): void {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } },
  });
  const port = Number(values.port ?? 8000);
  const host = values.host ?? '127.0.0.1';
  const workers = Math.max(1, Number(values.workers ?? 1));
  if (workers > 1 && cluster.isPrimary) {
    for (let i = 0; i < workers; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
    return;
  }
  const server = createServer({ keepAliveTimeout: 60_000 }, handle);
  server.listen(port, host, () => {
    if (!cluster.isWorker) process.stdout.write(`mock upstream listening on http://${host}:${port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
