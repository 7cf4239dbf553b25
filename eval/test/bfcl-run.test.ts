// A BFCL run end to end: requests carry tools converted the way BFCL's OpenAI FC handler
// converts them, and the run's per-item BFCL verdicts equal the official checker's on the same
// raw outputs.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/dataset.js';
import type { ItemScore } from '../src/metrics/item-score.js';
import { runOfficialChecker } from '../src/bfcl/official-checker.js';
import { loadRaw, latestById } from '../src/run/raw-store.js';
import { runEval } from '../src/run/runner.js';
import { correctCalls } from './helpers/bfcl-mutations.js';
import { pyToJson } from '../src/bfcl/py-value.js';
import { startScriptedEndpoint, type Answer, type ScriptedEndpoint } from './helpers/scripted-endpoint.js';

const DATASET = 'bfcl:simple_python,parallel,irrelevance';
const LIMIT = 420; // all 400 simple_python + the first 20 parallel
let ep: ScriptedEndpoint;

beforeAll(async () => {
  // Answers: the correct call for 2 of 3 items, a wrong value for the rest; text for irrelevance.
  const ds = loadDataset(DATASET);
  const byPrompt = new Map(ds.items.map((it) => [JSON.stringify(it.messages), it]));
  ep = await startScriptedEndpoint((req, n): Answer => {
    const item = byPrompt.get(JSON.stringify(req.messages))!;
    if (!item.bfcl?.groundTruth) return { content: 'No tool fits.' };
    const calls = correctCalls({
      id: item.id,
      category: item.category,
      messages: [],
      functions: item.bfcl.functions,
      groundTruth: item.bfcl.groundTruth,
    });
    if (n % 3 === 0) {
      const [k] = [...calls[0]!.params.keys()];
      if (k !== undefined) calls[0]!.params.set(k, { t: 'str', v: 'zz-wrong' });
    }
    return { tool_calls: calls.map((c) => ({ name: c.name, arguments: pyToJson({ t: 'dict', v: c.params }) })) };
  });
});
afterAll(() => ep.close());

describe('bfcl dataset run', () => {
  it('sends BFCL-converted tools and scores exactly like the official checker', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eval-bfcl-'));
    const r = await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset: DATASET,
      out,
      concurrency: 8,
      temperature: 0,
      timeoutMs: 10_000,
      retries: 0,
      limit: LIMIT,
    });
    expect(r.metrics.overall.answered).toBe(LIMIT);

    // Tool conversion: dots rewritten, "dict" → "object", float → number + format.
    const sent = ep.requests.find((q) => JSON.stringify(q.messages).includes('factorial of 5'))!;
    const fn = (
      sent.tools![0] as unknown as { function: { name: string; description: string; parameters: { type: string } } }
    ).function;
    expect(fn.name).toBe('math_factorial');
    expect(fn.parameters.type).toBe('object');
    expect(fn.description).toMatch(/Note that the provided function is in Python 3 syntax\.$/);
    const floaty = ep.requests
      .flatMap((q) => q.tools ?? [])
      .map((t) => JSON.stringify(t))
      .find((s) => s.includes('"format":"float"'));
    expect(floaty).toMatch(/"type":"number","format":"float"|"format":"float"/);
    expect(floaty).toMatch(/This is a float type value\./);

    // Same verdicts as the official checker on the raw outputs of this run.
    const ds = loadDataset(DATASET);
    const items = ds.items.slice(0, LIMIT);
    const latest = latestById(loadRaw(join(out, 'raw.jsonl')).records);
    const cases = items.map((it) => {
      const m = latest.get(it.id)!.message!;
      const result = Array.isArray(m.tool_calls)
        ? m.tool_calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }))
        : m.content;
      return {
        id: it.id,
        category: it.bfcl!.category,
        functions: it.bfcl!.functions,
        result,
        ...(it.bfcl!.groundTruth ? { groundTruth: it.bfcl!.groundTruth } : {}),
      };
    });
    const official = runOfficialChecker(cases);
    const scores = readFileSync(join(out, 'scores.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ItemScore);
    expect(scores.map((s) => [s.id, s.bfcl!.valid, s.bfcl!.errorType])).toEqual(
      official.map((v) => [v.id, v.valid, v.error_type]),
    );
    const officialAcc = official.filter((v) => v.valid).length / official.length;
    expect(r.metrics.overall.bfclAccuracy.value).toBeCloseTo(officialAcc, 12);
    expect(officialAcc).toBeGreaterThan(0.5);
    expect(officialAcc).toBeLessThan(1);
    expect(Object.keys(r.metrics.byCategory).sort()).toEqual(['parallel', 'simple_python']);
  });
});
