// HTTP-layer fuzzing of the built `toolgate serve` in front of simulated pods (`toolgate sim`,
// its own process): generated hostile bodies (mutated chat requests, raw bytes, truncated and
// deeply nested JSON), headers and endpoints. For every request: a status below 500, an
// OpenAI-shaped error body on every error, and a 200 stream that ends with [DONE] and carries no
// error event (the pods are healthy, so any error is the gateway's own). Throughout, `/health`
// answers within 200 ms — measured as its latency above that of a trivial control server probed at
// the same instants, and a late sample confirmed by replaying, alone, the request that was in
// flight (a loaded machine delays a sample now and then; a request that blocks the event loop
// delays it on every replay). Seeded and bounded
// (FUZZ_RUNS scales the runs, FUZZ_SEED replays a run); a failure prints fast-check's
// counterexample, which is the reproducer.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'undici';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveBuilt, simBuilt, type BuiltGateway } from '../helpers/built-bin.js';
import { freePort, waitForHttp } from '../helpers/net.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_118);
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1));
const HEALTH_BUDGET_MS = 200;

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city'],
    },
  },
};
const baseChat = () =>
  structuredClone({
    model: MODEL,
    max_tokens: 12,
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
    ],
    tools: [weather],
  });

/** Values a hostile client puts anywhere. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e308,
    2 ** 53 + 1,
    0.5,
    '',
    '5',
    'nan',
    'x'.repeat(70_000),
    '\u0000',
    '\ud800',
    '{"a":',
    '</tool_call>',
    '__proto__',
  ),
  fc.constantFrom(
    [],
    {},
    [null],
    [{}],
    [[[]]],
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__":{"city":"Paris"}}'),
    { type: 'text', text: 5 },
    { role: 'assistant', tool_calls: 'x' },
  ),
);

/** Where a mutation lands in a chat request (a path of keys/indices from the top). */
const PATHS: Array<Array<string | number>> = [
  ['model'],
  ['messages'],
  ['messages', 0],
  ['messages', 1, 'role'],
  ['messages', 1, 'content'],
  ['messages', 4, 'content', 0],
  ['messages', 4, 'content', 0, 'text'],
  ['messages', 2, 'tool_calls'],
  ['messages', 2, 'tool_calls', 0],
  ['messages', 2, 'tool_calls', 0, 'function'],
  ['messages', 2, 'tool_calls', 0, 'function', 'arguments'],
  ['messages', 2, 'tool_calls', 0, 'function', 'name'],
  ['messages', 2, 'content'],
  ['messages', 3, 'tool_call_id'],
  ['messages', 3, 'content'],
  ['messages', 1, 'name'],
  ['tools'],
  ['tools', 0],
  ['tools', 0, 'type'],
  ['tools', 0, 'function'],
  ['tools', 0, 'function', 'name'],
  ['tools', 0, 'function', 'parameters'],
  ['tools', 0, 'function', 'parameters', 'properties'],
  ['tools', 0, 'function', 'parameters', 'properties', 'city'],
  ['tools', 0, 'function', 'parameters', 'required'],
  ['tool_choice'],
  ['n'],
  ['max_tokens'],
  ['max_completion_tokens'],
  ['temperature'],
  ['top_p'],
  ['stream'],
  ['stream_options'],
  ['stop'],
  ['logprobs'],
  ['top_logprobs'],
  ['response_format'],
  ['user'],
  ['seed'],
  ['chat_template_kwargs'],
  ['parallel_tool_calls'],
  ['extra_field'],
];

function setPath(root: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = (node as Record<string | number, unknown>)[path[i]!];
    if (typeof next !== 'object' || next === null) return;
    node = next;
  }
  (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}

const mutatedChat = fc
  .record({
    mutations: fc.array(fc.tuple(fc.constantFrom(...PATHS), hostile), { minLength: 1, maxLength: 3 }),
    stream: fc.boolean(),
    policy: fc.constantFrom(undefined, 'off', 'annotate', 'repair', 'retry', 'reject'),
  })
  .map(({ mutations, stream, policy }) => {
    const body: Record<string, unknown> = { ...baseChat(), stream };
    for (const [path, value] of mutations) setPath(body, path, structuredClone(value));
    const headers: Record<string, string> = policy ? { 'x-toolgate-policy': policy } : {};
    return { path: '/v1/chat/completions', body: Buffer.from(JSON.stringify(body)), headers };
  });

const deepText = (depth: number, open: string, close: string, leaf = '1') =>
  open.repeat(depth) + leaf + close.repeat(depth);
const rawBodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.integer({ min: 1, max: 120 }).map((cut) => Buffer.from(JSON.stringify(baseChat()).slice(0, cut))),
  fc
    .integer({ min: 1, max: 60_000 })
    .map((d) =>
      Buffer.from(`{"model":"${MODEL}","messages":[{"role":"user","content":${deepText(d, '[', ']', '"x"')}}]}`),
    ),
  fc
    .integer({ min: 1, max: 60_000 })
    .map((d) =>
      Buffer.from(
        `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deepText(d, '{"a":', '}')}}}]}`,
      ),
    ),
  fc.constantFrom(
    Buffer.from('\ufeff' + JSON.stringify(baseChat())),
    Buffer.from(`{"model":"${MODEL}","max_tokens":1e99999,"messages":[{"role":"user","content":"x"}]}`),
    Buffer.from(`{"model":"${MODEL}","model":5,"messages":[{"role":"user","content":"x"}]}`),
    Buffer.from(`{"model":"${MODEL}","__proto__":{"stream":true},"messages":[{"role":"user","content":"x"}]}`),
    Buffer.from(JSON.stringify(baseChat()), 'utf16le'),
    Buffer.alloc(0),
  ),
);

const rawRequest: fc.Arbitrary<Fuzzed> = fc.record({
  path: fc.constantFrom('/v1/chat/completions', '/v1/completions', '/tokenize', '/v1/toolcalls/score'),
  body: rawBodies,
  headers: fc.constant({}),
});

const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  fc.constantFrom(
    '',
    'x'.repeat(8000),
    'Bearer ',
    'gzip',
    'application/json; charset=utf-16',
    'multipart/form-data; boundary=x',
    'text/event-stream',
  ),
);
const hostileHeaders = fc.record({
  path: fc.constantFrom(
    '/v1/chat/completions',
    '/v1/completions',
    '/v1/models',
    '/v1/toolcalls/score',
    '/v1/../health',
    '/v1/chat/completions?x=%00',
    '/%ff',
  ),
  body: fc.constant(Buffer.from(JSON.stringify({ ...baseChat(), stream: true }))),
  headers: fc
    .record(
      {
        'content-type': headerValue,
        'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
        'x-request-id': headerValue,
        'x-session-id': headerValue,
        'x-toolgate-policy': headerValue,
        authorization: headerValue,
        accept: headerValue,
      },
      { requiredKeys: [] },
    )
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>),
});

type Fuzzed = { path: string; body: Buffer; headers: Record<string, string> };

interface Sent {
  status: number;
  contentType: string;
  text: string;
}

let gateway: BuiltGateway;
let controlUrl: string;
/** The request being sent right now: the health watch blames it for a late /health. */
let inFlight: Fuzzed | null = null;

async function send(r: Fuzzed): Promise<Sent> {
  const method = r.path === '/v1/models' ? 'GET' : 'POST';
  const res = await request(`${gateway.url}${r.path}`, {
    method,
    headers: { 'content-type': 'application/json', ...r.headers },
    body: method === 'GET' ? undefined : r.body,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type'] ?? ''),
    text: await res.body.text(),
  };
}

/** The response contract every request must meet, whatever it sent. */
function checkResponse(r: Sent): void {
  expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
  if (r.status >= 400) {
    const body = JSON.parse(r.text) as { error?: Record<string, unknown> };
    expect(typeof body.error?.message, r.text.slice(0, 300)).toBe('string');
    expect(typeof body.error?.type).toBe('string');
    expect(body.error).toHaveProperty('param');
    expect(body.error).toHaveProperty('code');
  } else if (r.contentType.startsWith('text/event-stream')) {
    expect(r.text.endsWith('data: [DONE]\n\n'), r.text.slice(-300)).toBe(true);
    expect(r.text, 'error event in a stream from healthy pods').not.toMatch(/^data: \{"error"/m);
  }
}

interface LateSample {
  excessMs: number;
  request: Fuzzed | null;
}

/** Probes /health of the gateway and of the control server at the same instants; keeps the late samples. */
function healthWatch(): { stop(): Promise<{ samples: number; late: LateSample[] }> } {
  const late: LateSample[] = [];
  let samples = 0;
  let running = true;
  const timed = async (url: string) => {
    const t = performance.now();
    const res = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    return performance.now() - t;
  };
  const loop = (async () => {
    while (running) {
      const blamed = inFlight;
      const [gw, control] = await Promise.all([timed(`${gateway.url}/health`), timed(`${controlUrl}/health`)]);
      if (gw - control >= HEALTH_BUDGET_MS) late.push({ excessMs: gw - control, request: blamed });
      samples++;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, late };
    },
  };
}

/** Replays each request blamed for a late /health, alone, up to three times; fails if it is late every time. */
async function confirmLateHealth(late: LateSample[]): Promise<void> {
  const suspects = [...new Set(late.sort((a, b) => b.excessMs - a.excessMs).map((l) => l.request))]
    .filter((r): r is Fuzzed => r !== null)
    .slice(0, 5);
  for (const suspect of suspects) {
    let best = Infinity;
    for (let i = 0; i < 3 && best >= HEALTH_BUDGET_MS; i++) {
      const watch = healthWatch();
      await new Promise((r) => setTimeout(r, 30));
      inFlight = suspect;
      await send(suspect).catch(() => undefined);
      inFlight = null;
      await new Promise((r) => setTimeout(r, 60));
      const h = await watch.stop();
      best = Math.min(best, Math.max(0, ...h.late.map((l) => l.excessMs)));
    }
    const what = `${suspect.path} ${JSON.stringify(suspect.headers)} ${suspect.body.toString('utf8').slice(0, 2000)}`;
    expect(
      best,
      `/health stayed ${best.toFixed(0)} ms behind the control server on every replay of: ${what}`,
    ).toBeLessThan(HEALTH_BUDGET_MS);
  }
}

const property = (arb: fc.Arbitrary<Fuzzed>) =>
  fc.asyncProperty(arb, async (r) => {
    inFlight = r;
    try {
      checkResponse(await send(r));
    } finally {
      inFlight = null;
    }
  });

/** Runs the property while /health is watched; a property failure is reported first. */
async function fuzz(arb: fc.Arbitrary<Fuzzed>, seed: number, numRuns: number): Promise<void> {
  const watch = healthWatch();
  let failure: unknown = null;
  try {
    await fc.assert(property(arb), { seed, numRuns, endOnFailure: true });
  } catch (err) {
    failure = err;
  }
  const h = await watch.stop();
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  expect(h.samples).toBeGreaterThan(5);
  await confirmLateHealth(h.late);
}

describe('HTTP fuzzing of the built gateway', () => {
  let sim: { urls: string[]; stop(): Promise<void> };
  let control: ChildProcess;
  beforeAll(async () => {
    sim = await simBuilt(['--pods', '2', '--ttft-ms', '2', '--itl-ms', '1']);
    gateway = await serveBuilt({ upstreams: sim.urls });
    const port = await freePort();
    control = spawn(
      process.execPath,
      ['-e', `require('http').createServer((q,s)=>s.end()).listen(${port},'127.0.0.1')`],
      { stdio: 'ignore' },
    );
    controlUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${controlUrl}/health`);
  }, 300_000);
  afterAll(async () => {
    control?.kill();
    await gateway?.stop();
    await sim?.stop();
  });

  it('mutated chat requests: < 500, OpenAI errors, clean streams; /health stays fast', async () => {
    await fuzz(mutatedChat, SEED, 300 * RUNS);
  }, 300_000);

  it('raw, truncated and deeply nested bodies on every endpoint; /health stays fast', async () => {
    await fuzz(rawRequest, SEED + 1, 120 * RUNS);
  }, 300_000);

  it('hostile headers and paths; /health stays fast', async () => {
    await fuzz(hostileHeaders, SEED + 2, 80 * RUNS);
  }, 300_000);

  it('the gateway still serves an ordinary request afterwards', async () => {
    const r = await send({ path: '/v1/chat/completions', body: Buffer.from(JSON.stringify(baseChat())), headers: {} });
    expect(r.status, r.text).toBe(200);
  });
});
