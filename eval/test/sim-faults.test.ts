// Eval against the simulator with a known fault profile gives exactly the expected metrics. The
// simulator's fault choice and correct answer are pure exported functions, so the test knows
// which item gets which fault before sending anything, and what each fault does to each metric.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ChatTool } from '../../loadtest/src/sim/chat-template.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateAssistantOutput,
  planOutput,
  resolveFaultProfile,
  startSim,
  type SimCluster,
} from '../../loadtest/src/sim/index.js';
import { loadDataset } from '../src/dataset.js';
import { rate } from '../src/metrics/aggregate.js';
import { requestBody, runEval } from '../src/run/runner.js';

const SEED = 11;
const FAULTS = { near_miss_name: 0.2, invented_argument: 0.2, missing_argument: 0.2 } as const;
const TOOL: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const CITIES = ['Paris', 'Oslo', 'Lima', 'Rome', 'Cairo', 'Quito', 'Hanoi', 'Dakar', 'Porto', 'Minsk'];

/** What each fault does, per item: [parsed, schemaHit, nameMatch, executable, semantic, args predicted/correct/expected/found]. */
const EFFECT: Record<
  string,
  { p: boolean; s: boolean; n: boolean; e: boolean; sem: boolean; args: [number, number, number, number] }
> = {
  none: { p: true, s: true, n: true, e: true, sem: true, args: [2, 2, 2, 2] },
  // get_weather → get.weather: the engine resolves the near miss; the raw call names no real function.
  near_miss_name: { p: true, s: true, n: true, e: false, sem: true, args: [2, 2, 2, 2] },
  // extra "verbose": the engine drops it (additionalProperties: false); the raw call fails the schema.
  invented_argument: { p: true, s: true, n: true, e: false, sem: true, args: [2, 2, 2, 2] },
  // first argument dropped: a required one, so no repair can make it valid.
  missing_argument: { p: true, s: false, n: true, e: false, sem: false, args: [1, 1, 2, 1] },
};

let sim: SimCluster;
let dir: string;
beforeAll(async () => {
  sim = await startSim({ seed: SEED, faults: { rates: FAULTS }, profile: { kind: 'fixed', ttftMs: 1, itlMs: 0 } });
  dir = mkdtempSync(join(tmpdir(), 'eval-sim-'));
});
afterAll(() => sim.close());

describe('eval against the simulator with a known fault profile', () => {
  it('gives exactly the expected metric values', async () => {
    // Dataset: the simulator's own correct answer is the expected call.
    const rows = Array.from({ length: 60 }, (_, i) => {
      const unit = i % 2 ? 'fahrenheit' : 'celsius';
      const messages = [
        { role: 'user', content: `What is the weather in ${CITIES[i % CITIES.length]} today, in ${unit}? (#${i})` },
      ];
      const correct = generateAssistantOutput({ messages, tools: [TOOL] }, SEED);
      return {
        id: `s${i}`,
        messages,
        tools: [TOOL],
        expected_calls: [{ name: correct.toolName, arguments: correct.arguments }],
      };
    });
    const datasetPath = join(dir, 'sim.jsonl');
    writeFileSync(datasetPath, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

    // Predict each item's fault from the request exactly as it will be sent.
    const profile = resolveFaultProfile({ rates: FAULTS });
    const dataset = loadDataset(datasetPath);
    const faults = dataset.items.map((it) => {
      const body = requestBody(it, { model: 'Qwen/Qwen3-0.6B', temperature: 0 });
      return (
        planOutput({ messages: body['messages'] as never, tools: body['tools'] as never }, SEED, profile).fault ??
        'none'
      );
    });
    for (const f of Object.keys(EFFECT)) expect(faults, `seed gives no ${f}`).toContain(f);

    const want = { p: 0, s: 0, n: 0, e: 0, sem: 0, args: [0, 0, 0, 0] };
    for (const f of faults) {
      const x = EFFECT[f]!;
      want.p += +x.p;
      want.s += +x.s;
      want.n += +x.n;
      want.e += +x.e;
      want.sem += +x.sem;
      x.args.forEach((v, i) => (want.args[i]! += v));
    }

    const r = await runEval({
      endpoint: sim.urls[0]!,
      model: 'Qwen/Qwen3-0.6B',
      dataset: datasetPath,
      out: join(dir, 'run'),
      concurrency: 4,
      temperature: 0,
      timeoutMs: 10_000,
      retries: 0,
    });
    const o = r.metrics.overall;
    const N = rows.length;
    expect(o.answered).toBe(N);
    expect(sim.pods[0]!.stats().requests).toBe(N);
    expect(o.parseRate).toEqual(rate(want.p, N));
    expect(o.schemaHitRate).toEqual(rate(want.s, N));
    expect(o.nameAccuracy).toEqual(rate(want.n, N));
    expect(o.executableRate).toEqual(rate(want.e, N));
    expect(o.semanticMatch).toEqual(rate(want.sem, N));
    expect(o.argPrecision).toEqual(rate(want.args[1]!, want.args[0]!));
    expect(o.argRecall).toEqual(rate(want.args[3]!, want.args[2]!));
    // Sanity: the profile really did damage some items, and not all of them.
    expect(want.e).toBeGreaterThan(0);
    expect(want.e).toBeLessThan(N);
    expect(r.metrics.repairs['drop_unknown_argument']).toBe(faults.filter((f) => f === 'invented_argument').length);
  });
});
