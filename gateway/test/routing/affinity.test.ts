// Prefix affinity end to end: real simulator pods, a real gateway (in-process and as two
// separate `toolgate serve` processes), routing read from x-toolgate-backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { freePort, spawnToolgate, stopProcess, waitForHttp } from '../helpers/net.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const tools = (t: number) => [
  {
    type: 'function',
    function: {
      name: `tenant${t}_lookup`,
      description: `Looks things up for tenant ${t}. `.repeat(8),
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
    },
  },
];
const system = (t: number) => ({
  role: 'system',
  content: `You are the assistant of tenant ${t}. Follow the policies. `.repeat(10),
});

async function chat(url: string, body: Record<string, unknown>): Promise<{ backend: string; content: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, max_tokens: 8, ...body }),
  });
  const json = (await res.json()) as { choices: Array<{ message: { content: string | null } }> };
  expect(res.status).toBe(200);
  return { backend: res.headers.get('x-toolgate-backend') ?? '', content: json.choices[0]!.message.content ?? '' };
}

describe('prefix affinity', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 4, profile: { kind: 'fixed', ttftMs: 150, itlMs: 5 } }], {
      pools: { default: { policy: { type: 'prefix' } } },
    });
  });
  afterAll(async () => stack?.close());

  it('sends every request of a tenant to the same pod, and spreads tenants', async () => {
    const podOf = new Map<number, Set<string>>();
    for (let t = 0; t < 6; t++) {
      for (let q = 0; q < 2; q++) {
        const { backend } = await chat(stack.gateway.url, {
          tools: tools(t),
          messages: [system(t), { role: 'user', content: `question ${q} of tenant ${t}` }],
        });
        podOf.set(t, (podOf.get(t) ?? new Set()).add(backend));
      }
    }
    for (const pods of podOf.values()) expect(pods.size).toBe(1);
    expect(new Set([...podOf.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
  });

  it("sends a conversation's next turn to the pod of its previous turn, even after overflow", async () => {
    // Twelve conversations of one tenant start at once: the bound spreads them over the pods.
    const firsts = Array.from({ length: 12 }, (_, i) => [
      system(99),
      { role: 'user', content: `conversation ${i}: ${'details '.repeat(60)}` },
    ]);
    const turn1 = await Promise.all(firsts.map((messages) => chat(stack.gateway.url, { tools: tools(99), messages })));
    expect(new Set(turn1.map((r) => r.backend)).size).toBeGreaterThan(1);
    // Their second turns (history + answer + new question), one by one, follow the first.
    for (let i = 0; i < firsts.length; i++) {
      const messages = [
        ...firsts[i]!,
        { role: 'assistant', content: turn1[i]!.content },
        { role: 'user', content: 'and then?' },
      ];
      const { backend } = await chat(stack.gateway.url, { tools: tools(99), messages });
      expect(backend).toBe(turn1[i]!.backend);
    }
    const text = await stack.gateway.metrics.registry.getSingleMetricAsString('toolgate_route_decisions_total');
    expect(text).toMatch(/policy="prefix",reason="prefix_hit"} (\d+)/);
    expect(text).toMatch(/policy="prefix",reason="overflow"} [1-9]/);
  });
});

describe('two gateway replicas', () => {
  let sim: SimCluster;
  const children: Array<ReturnType<typeof spawnToolgate>> = [];
  beforeAll(async () => {
    sim = await startSim({ port: 0, pods: 4, profile: { kind: 'fixed', ttftMs: 2, itlMs: 1 } });
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
    await sim?.close();
  });

  it('choose the same pod for the same prefix with no shared state', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-routing-'));
    const file = path.join(dir, 'gateway.yaml');
    // Backends listed in a different order for each replica: ranking must not depend on it.
    const write = (urls: string[], f: string) =>
      writeFileSync(
        f,
        JSON.stringify({
          server: { host: '127.0.0.1' },
          pools: { default: { backends: urls.map((url) => ({ url })), policy: { type: 'prefix' } } },
        }),
      );
    write(sim.urls, file);
    write([...sim.urls].reverse(), `${file}.2`);
    const ports = [await freePort(), await freePort()];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    children.push(spawnToolgate(['serve', '--config', file, '--port', String(ports[0])]));
    children.push(spawnToolgate(['serve', '--config', `${file}.2`, '--port', String(ports[1])]));
    await Promise.all(urls.map((u) => waitForHttp(`${u}/ready`, 30_000)));
    const seen = new Set<string>();
    for (let t = 0; t < 10; t++) {
      const body = { tools: tools(t), messages: [system(t), { role: 'user', content: `hello from ${t}` }] };
      const [a, b] = await Promise.all(urls.map((u) => chat(u, body)));
      expect(a!.backend).toBe(b!.backend);
      seen.add(a!.backend);
    }
    expect(seen.size).toBeGreaterThan(1);
  });
});
