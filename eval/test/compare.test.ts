// `toolgate eval compare` over real runs: values and deltas in JSON/Markdown/HTML, one SVG bar
// per run and metric, clear errors for folders that are not runs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../src/compare/compare-report.js';
import { runEval } from '../src/run/runner.js';
import { ensureBuilt, runBin } from './helpers/built-bin.js';
import { answerAdd, writeAddDataset } from './helpers/datasets.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './helpers/scripted-endpoint.js';

let good: ScriptedEndpoint;
let flaky: ScriptedEndpoint;
let dir: string;
beforeAll(ensureBuilt, 600_000);
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eval-compare-'));
  writeAddDataset(join(dir, 'd.jsonl'), 10);
  good = await startScriptedEndpoint((req) => answerAdd(String(req.messages[0]!.content)));
  // Every other answer is prose: half the parse rate of the good run.
  flaky = await startScriptedEndpoint((req, n) =>
    n % 2 ? answerAdd(String(req.messages[0]!.content)) : { content: 'I would add them.' },
  );
  const base = {
    model: 'm',
    dataset: join(dir, 'd.jsonl'),
    concurrency: 1,
    temperature: 0,
    timeoutMs: 5000,
    retries: 0,
  };
  await runEval({ ...base, endpoint: flaky.url, out: join(dir, 'base') });
  await runEval({ ...base, endpoint: good.url, out: join(dir, 'sft') });
});
afterAll(async () => {
  await good.close();
  await flaky.close();
});

/** `toolgate eval ARGV` through the built bin. */
async function cli(argv: string[]): Promise<{ code: number | null; err: string }> {
  const r = await runBin(['eval', ...argv]);
  return { code: r.code, err: r.stderr };
}

describe('eval compare', () => {
  it('writes JSON, Markdown, HTML and SVG with the runs side by side', async () => {
    const out = join(dir, 'report');
    const r = await cli([
      'compare',
      join(dir, 'base'),
      join(dir, 'sft'),
      '--out',
      out,
      '--name',
      'base',
      '--name',
      'sft',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as Comparison;
    expect(json.runs.map((x) => x.name)).toEqual(['base', 'sft']);
    const parse = json.metrics.find((m) => m.key === 'parseRate')!;
    expect(parse.values).toEqual([0.5, 1]);
    expect(parse.deltaVsFirst).toEqual([0, 0.5]);

    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toMatch(/\| parse rate \| 50\.0% \| 100\.0% \(\+50\.0 pp\) \|/);
    expect(md).toMatch(/!\[Overall metrics\]\(overall\.svg\)/);

    const svg = readFileSync(join(out, 'overall.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // One bar per (run, metric with a value); BFCL accuracy and no-call accuracy have none here.
    const bars = svg.match(/<rect x="[\d.]+" y="[\d.]+" width="12"/g) ?? [];
    const withValue = json.metrics.flatMap((m) => m.values).filter((v) => v !== null).length;
    expect(bars).toHaveLength(withValue);
    expect(svg).toContain('<title>sft — parse rate: 100.0%</title>');

    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).toMatch(/<td>parse rate<\/td><td>50\.0%<\/td><td>100\.0% \(\+50\.0 pp\)<\/td>/);
  });

  it('refuses folders that are not finished runs, and bad flags', async () => {
    const notRun = mkdtempSync(join(tmpdir(), 'eval-notrun-'));
    const a = await cli(['compare', notRun, '--out', join(dir, 'x')]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/no metrics\.json \(not a finished `toolgate eval` run folder\)/);
    writeFileSync(join(notRun, 'metrics.json'), '{oops');
    const b = await cli(['compare', notRun, '--out', join(dir, 'x')]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/metrics\.json: not valid JSON/);
    const c = await cli(['compare', join(dir, 'base')]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--out is required/);
    const d = await cli(['compare', join(dir, 'base'), '--out', join(dir, 'y'), '--name', 'a', '--name', 'b']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/2 --name labels for 1 runs/);
  });
});
