// Shared pieces of the experiments/e2e suites: simulator pools behind an in-process gateway,
// request builders, metric readers and capture-file readers. Everything real, on loopback.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSim, type SimCluster, type SimOptions } from '../../../loadtest/src/sim/index.js';
import { resolveConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/log.js';

/** Instant answers: the simulator's fixed profile with zero latency. */
export const FAST: SimOptions = { profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } };
export const BASE_MODEL = 'Qwen/Qwen3-0.6B';

export const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** Valid, repairable (Python literals, trailing comma) and unrepairable (required arg missing) outputs. */
export const RAW = {
  valid: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
  repairable: "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Paris',}}\n</tool_call>",
  invalid: '<tool_call>\n{"name": "get_weather", "arguments": {}}\n</tool_call>',
};

export interface PoolStack {
  sims: Record<string, SimCluster>;
  gateway: Gateway;
  cfg: GatewayConfig;
  url: string;
  close(): Promise<void>;
}

/** One simulator per named pool, a gateway over them with `config` merged in. */
export async function startPools(
  pools: Record<string, SimOptions>,
  config: Record<string, unknown> = {},
): Promise<PoolStack> {
  const sims: Record<string, SimCluster> = {};
  try {
    for (const [name, opts] of Object.entries(pools)) sims[name] = await startSim({ port: 0, pods: 1, ...opts });
  } catch (err) {
    await Promise.all(Object.values(sims).map((s) => s.close()));
    throw err;
  }
  const cfg = resolveConfig({
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
    health: { intervalMs: 60_000 },
    // These suites read one-pass verdicts (an invalid call stays invalid); the default retry
    // policy's re-ask is tested in api/toolcall-policies.test.ts.
    toolcalls: { policy: 'repair' },
    pools: Object.fromEntries(
      Object.entries(sims).map(([name, s]) => [
        name,
        { backends: s.urls.map((url) => ({ url })), scrape: { intervalMs: 0 } },
      ]),
    ),
    ...config,
  });
  const gateway = await startGateway(cfg, { logger: createLogger({}, 'silent') });
  return {
    sims,
    gateway,
    cfg,
    url: gateway.url,
    async close() {
      await gateway.close();
      await Promise.all(Object.values(sims).map((s) => s.close()));
    },
  };
}

/** Requests a pool's simulator has received so far (all its pods). */
export const simRequests = (s: SimCluster): number => s.pods.reduce((a, p) => a + p.stats().requests, 0);

export interface ChatOptions {
  model: string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  content?: string;
  tools?: boolean;
}

export function chat(url: string, o: ChatOptions): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...o.headers },
    body: JSON.stringify({
      model: o.model,
      messages: [{ role: 'user', content: o.content ?? 'What is the weather in Paris?' }],
      ...(o.tools === false ? {} : { tools: [weatherTool] }),
      ...o.body,
    }),
  });
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Asserts the OpenAI error shape loosely (all four keys present) and returns it. */
export async function errorOf(res: Response): Promise<ErrorBody['error']> {
  const body = (await res.json()) as ErrorBody;
  if (
    !body.error ||
    typeof body.error.message !== 'string' ||
    !('type' in body.error) ||
    !('param' in body.error) ||
    !('code' in body.error)
  ) {
    throw new Error(`not an OpenAI error body: ${JSON.stringify(body)}`);
  }
  return body.error;
}

/** Sum of a Prometheus counter's samples in /metrics text whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  return res.text();
}

/** Polls until `cond` holds; throws with `what` after `timeoutMs`. */
export async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every JSON line of every .jsonl file under `dir`, in file-name order. */
export async function readJsonl(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  const out: Record<string, unknown>[] = [];
  for (const f of files) {
    for (const line of (await readFile(path.join(dir, f), 'utf8')).split('\n'))
      if (line.trim()) out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}
