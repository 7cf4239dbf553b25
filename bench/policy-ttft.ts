// npm run bench:policy-ttft — what each tool-call policy costs a streaming client in time to first
// token: the same answers (prose then a call; a call alone; prose alone) from simulated pods with a
// realistic pace (60 ms to the first token, 12 ms per token), streamed through the gateway under
// every policy; TTFT measured at the client (first chunk carrying content or a tool call) and as a
// ratio to policy `off` in the same run. Writes bench/results/policy-ttft.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { startSim } from '../loadtest/src/sim/index.js';
import { resolveConfig } from '../gateway/src/config/load.js';
import { startGateway } from '../gateway/src/server.js';
import { createLogger } from '../gateway/src/telemetry/log.js';
import { summarize } from './lib/load.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const POLICIES = ['off', 'annotate', 'repair', 'retry', 'reject'] as const;
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
const ANSWERS = {
  prose_then_call: `Let me look up the current weather in Paris for you.\n${call}`,
  call_only: call,
  prose_only: 'Paris is usually mild in spring, with showers and sunny spells in about equal measure.',
};
const RUNS = 15;

async function ttft(url: string, policy: string, raw: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-toolgate-policy': policy },
    body: JSON.stringify({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
      sim_script: { raw },
    }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let first = NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    if (Number.isNaN(first) && /"(content|tool_calls)":\s*("[^"]|\[)/.test(buf)) first = performance.now() - started;
  }
  return first;
}

async function main(): Promise<void> {
  const sim = await startSim({ pods: 1, port: 0, profile: { kind: 'fixed', ttftMs: 60, itlMs: 12 } });
  const gw = await startGateway(resolveConfig({ server: { host: '127.0.0.1', port: 0 }, upstreams: sim.urls }), {
    logger: createLogger({}, 'silent'),
  });
  try {
    const results: Record<string, Record<string, { p50: number; ratioToOff: number }>> = {};
    for (const [answer, raw] of Object.entries(ANSWERS)) {
      const samples: Record<string, number[]> = Object.fromEntries(POLICIES.map((p) => [p, []]));
      for (let i = 0; i < RUNS; i++) for (const p of POLICIES) samples[p]!.push(await ttft(gw.url, p, raw)); // interleaved
      const off = summarize(samples.off!).p50;
      results[answer] = Object.fromEntries(
        POLICIES.map((p) => [
          p,
          {
            p50: Number(summarize(samples[p]!).p50.toFixed(1)),
            ratioToOff: Number((summarize(samples[p]!).p50 / off).toFixed(2)),
          },
        ]),
      );
    }
    const out = {
      bench: 'policy-ttft',
      simulator: { ttftMs: 60, itlMs: 12 },
      runs: RUNS,
      answers: Object.fromEntries(Object.entries(ANSWERS).map(([k, v]) => [k, v.length])),
      ttftMs: results,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/policy-ttft.json', `${JSON.stringify(out, null, 2)}\n`);
    for (const [answer, r] of Object.entries(results))
      console.log(answer.padEnd(16), POLICIES.map((p) => `${p} ${r[p]!.p50} ms`).join('  '));
  } finally {
    await gw.close();
    await sim.close();
  }
}

await main();
