// A real Prometheus scrapes a running gateway and two simulated vLLM pods (1 s scrapes, rules
// evaluated every second); after tool-calling traffic through the openai SDK, every dashboard
// query, variable query and rule expression must return data through Prometheus's HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { freePort, spawnToolgate, stopProcess, waitForHttp } from '../../gateway/test/helpers/net.js';
import {
  RULE_FILES,
  alertSubject,
  dashboardQueries,
  metricNames,
  ruleQueries,
  substitute,
  type Query,
} from './promql.js';

const WINDOW = '1m'; // covers the whole test's traffic
let dir = '';
let prom: ChildProcess | undefined;
let gateway: ReturnType<typeof spawnToolgate> | undefined;
let sim: ReturnType<typeof spawnToolgate> | undefined;
let promUrl = '';

type PromResult = { status: string; error?: string; data: { resultType: string; result: unknown[] } };

async function promQuery(expr: string): Promise<PromResult> {
  const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
  return (await res.json()) as PromResult;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
        required: ['city'],
      },
    },
  },
];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'toolgate-prom-e2e-'));
  const simPort = await freePort();
  const [gwPort, promPort] = [await freePort(), await freePort()];
  sim = spawnToolgate([
    'sim',
    '--port',
    String(simPort),
    '--pods',
    '2',
    '--lora',
    'qwen3-sft',
    '--lora',
    'qwen3-grpo',
    '--faults',
    'qwen3-0.6b-typical',
    '--ttft-ms',
    '5',
    '--itl-ms',
    '2',
    '--seed',
    '7',
  ]);
  await waitForHttp(`http://127.0.0.1:${simPort}/health`).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nsim output:\n${sim?.output()}`);
  });
  await waitForHttp(`http://127.0.0.1:${simPort + 1}/health`);

  // Variants + shadow (experiment metrics), a one-slot capture queue (drops), two pools' worth of health.
  const config = {
    pools: {
      default: { backends: [{ url: `http://127.0.0.1:${simPort}` }, { url: `http://127.0.0.1:${simPort + 1}` }] },
    },
    models: {
      'qwen3-tools': {
        variants: {
          sft: { pool: 'default', model: 'qwen3-sft', weight: 50 },
          grpo: { pool: 'default', model: 'qwen3-grpo', weight: 50 },
        },
        shadow: { variant: 'grpo', percent: 100 },
      },
    },
    health: { intervalMs: 200 },
    capture: { dir: path.join(dir, 'capture'), queueSize: 1, batchSize: 1, sampleValid: 1 },
  };
  writeFileSync(path.join(dir, 'toolgate.json'), JSON.stringify(config));
  gateway = spawnToolgate(['serve', '--port', String(gwPort), '--config', path.join(dir, 'toolgate.json')]);
  await waitForHttp(`http://127.0.0.1:${gwPort}/health`).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\ngateway output:\n${gateway?.output()}`);
  });

  const targets = (port: number[]) => JSON.stringify(port.map((p) => `127.0.0.1:${p}`));
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ${JSON.stringify(RULE_FILES)}`,
      'scrape_configs:',
      `  - { job_name: toolgate, static_configs: [ { targets: ${targets([gwPort])} } ] }`,
      `  - { job_name: vllm, static_configs: [ { targets: ${targets([simPort, simPort + 1])} } ] }`,
      '',
    ].join('\n'),
  );
  promUrl = `http://127.0.0.1:${promPort}`;
  prom = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let promErr = '';
  prom.stderr?.on('data', (d: Buffer) => (promErr += d.toString()));
  await waitForHttp(`${promUrl}/-/ready`).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\nprometheus:\n${promErr}`);
  });

  // Traffic: streaming and not, many users (sticky variants), tools on every request.
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${gwPort}/v1`, apiKey: 'unused', maxRetries: 0 });
  const asks = Array.from({ length: 40 }, (_, i) => async () => {
    const body = {
      model: 'qwen3-tools',
      user: `user-${i % 10}`,
      tools: TOOLS,
      messages: [
        { role: 'system' as const, content: 'You are a weather assistant. Use the tools.' },
        { role: 'user' as const, content: `What is the weather in city number ${i}?` },
      ],
      // Room for a whole Qwen3 tool call: a cut-off call is (rightly) invalid.
      max_tokens: 256,
    };
    if (i % 2) {
      const stream = await client.chat.completions.create({
        ...body,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of stream) {
        // drained: the gateway meters the whole stream
      }
    } else await client.chat.completions.create(body);
  });
  for (let i = 0; i < asks.length; i += 4) await Promise.allSettled(asks.slice(i, i + 4).map((f) => f()));
  // The retry policy re-asking after an invalid call (Re-asks panel).
  await fetch(`http://127.0.0.1:${gwPort}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-toolgate-policy': 'retry' },
    body: JSON.stringify({
      model: 'qwen3-tools',
      tools: TOOLS,
      messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
      sim_script: { raw: '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>', parser: 'none' },
    }),
  }).then((r) => r.text());
  // A refused request (unknown model) for the error panels.
  await client.chat.completions
    .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })
    .catch(() => undefined);

  // Wait for the traffic to be scraped and recorded; on timeout go on, so that the per-query
  // tests below name exactly which queries have no data.
  await waitFor(
    'scrapes after the traffic and recorded rules',
    async () => {
      const r = await promQuery(
        'sum(toolgate_requests_total) >= 40 and on() count(model_variant_role:toolgate_time_to_first_token_seconds:p95_5m) > 0',
      );
      return r.data.result.length > 0;
    },
    20_000,
  ).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 2_000)); // one more evaluation of every rule group
}, 120_000);

afterAll(async () => {
  for (const p of [prom, gateway, sim]) if (p) await stopProcess(p);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const queries: Query[] = [...dashboardQueries(), ...ruleQueries()];

describe('every dashboard and rule query returns data from a live gateway + simulator', () => {
  it.each(queries.map((q) => [q.source, q] as const))('%s', async (_name, q) => {
    const expr = substitute(q.kind === 'alert' ? alertSubject(q.expr) : q.expr, WINDOW);
    const r = await promQuery(expr);
    expect(r.status, `${expr}\n${r.error ?? ''}`).toBe('success');
    expect(r.data.result.length, `no data for: ${expr}`).toBeGreaterThan(0);
    if (q.kind === 'alert') {
      const full = await promQuery(substitute(q.expr, WINDOW)); // the whole alert expression runs too
      expect(full.status, full.error).toBe('success');
    }
  });

  it('every metric name the queries read is exported (scraped or recorded)', async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/label/__name__/values`)).json()) as { data: string[] };
    const have = new Set(res.data);
    const missing = [...new Set(queries.flatMap((q) => metricNames(q.expr)))].filter((n) => !have.has(n)).sort();
    expect(missing).toEqual([]);
  });
});
