// A run against a scripted endpoint whose answers are known gives exactly the expected metrics.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEval } from '../src/run/runner.js';
import {
  startScriptedEndpoint,
  type Answer,
  type ChatRequest,
  type ScriptedEndpoint,
} from './helpers/scripted-endpoint.js';

const DATASET = join(import.meta.dirname, '../fixtures/weather-mini.jsonl');

// Keyed by the user prompt.
const ANSWERS: Record<string, Answer> = {
  'Weather in Paris in celsius?': {
    tool_calls: [{ name: 'get_weather', arguments: '{"city": "paris", "unit": "celsius"}' }],
  },
  'Weather in Oslo?': { tool_calls: [{ name: 'get_weather', arguments: "{city: 'Oslo'}" }] },
  'Weather in Rome and in Lima?': {
    tool_calls: [
      { name: 'get_weather', arguments: '{"city": "Rome"}' },
      { name: 'get_weather', arguments: '{"city": "Lyon"}' },
    ],
  },
  'Tell me a joke.': { content: 'Why did the function cross the road?' },
  'Add 2 and 3.': { tool_calls: [{ name: 'add', arguments: '{"a": "2", "b": 3}' }] },
  'Time in Tokyo?': { content: "I don't know." },
};

let ep: ScriptedEndpoint;
beforeAll(async () => {
  ep = await startScriptedEndpoint(
    (req: ChatRequest) => ANSWERS[String(req.messages.at(-1)!.content)] ?? { content: '?' },
  );
});
afterAll(() => ep.close());

describe('metrics of a run with known answers', () => {
  it('are exactly the hand-computed values', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eval-exact-'));
    const r = await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset: DATASET,
      out,
      concurrency: 3,
      temperature: 0,
      timeoutMs: 5000,
      retries: 0,
    });
    const o = r.metrics.overall;
    console.log(JSON.stringify(o));
    expect(r.unsettled).toBe(0);
    expect(o.answered).toBe(6);
    expect(o.parseRate).toEqual({ k: 4, n: 5, value: 0.8 });
    expect(o.schemaHitRate).toEqual({ k: 4, n: 5, value: 0.8 });
    expect(o.nameAccuracy).toEqual({ k: 4, n: 5, value: 0.8 });
    expect(o.executableRate).toEqual({ k: 2, n: 5, value: 0.4 });
    expect(o.semanticMatch).toEqual({ k: 4, n: 6, value: 4 / 6 });
    expect(o.noCallAccuracy).toEqual({ k: 1, n: 1, value: 1 });
    expect(o.argPrecision).toEqual({ k: 6, n: 7, value: 6 / 7 });
    expect(o.argRecall).toEqual({ k: 6, n: 8, value: 6 / 8 });
    expect(o.argF1).toBeCloseTo((2 * (6 / 7) * (6 / 8)) / (6 / 7 + 6 / 8), 12);
    expect(o.bfclAccuracy.value).toBeNull();
    expect(r.metrics.byCategory['parallel']!.semanticMatch.value).toBe(0);
    // Every request carried the item's tools and the temperature.
    expect(ep.requests).toHaveLength(6);
    expect(ep.requests.every((q) => q.temperature === 0 && Array.isArray(q.tools))).toBe(true);
    const scores = readFileSync(join(out, 'scores.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; repairs: string[] });
    expect(scores.find((s) => s.id === 'w2')!.repairs.length).toBeGreaterThan(0);
  });
});
