// `toolgate report ab` on a synthetic set of shadow pairs: every figure equals the value computed
// by hand (Wilson intervals for rates, paired mean difference ± 1.96·s/√n for latencies).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShadowPairRecord } from '../../src/capture/record.js';
import { renderReport } from '../../src/experiments/report/render.js';
import { summarizePairs } from '../../src/experiments/report/summarize.js';
import { spawnToolgate } from '../helpers/net.js';
import { pairRecord, toolCallRecord } from './helpers.js';

function synthetic(): ShadowPairRecord[] {
  const pe2e = [100, 200, 300, 400];
  const se2e = [110, 190, 330, 420];
  const pttft = [10, 20, 30, null];
  const sttft = [15, 15, 45, 50];
  const pParsed = [true, true, true, false];
  const pValid = [true, true, false, false];
  const sValid = [true, true, true, false];
  const agree = [true, false, true, false];
  return pe2e.map((_, i) =>
    pairRecord(
      {
        e2eMs: pe2e[i],
        ttftMs: pttft[i],
        parsed: pParsed[i],
        schemaValid: pValid[i],
        ...(i === 3 ? { outcome: 'error' as const, calls: null } : {}),
      },
      { e2eMs: se2e[i], ttftMs: sttft[i], parsed: true, schemaValid: sValid[i] },
      agree[i] as boolean,
    ),
  );
}

describe('report ab', () => {
  it('computes rates, Wilson intervals and paired latency deltas exactly', () => {
    const pairs = synthetic();
    const other = pairRecord({ variant: 'base' }, { variant: 'lora-v3' }, true);
    const report = summarizePairs([...pairs, pairs[0] as ShadowPairRecord, other]);
    expect(report.duplicates).toBe(1);
    expect(report.groups.map((g) => g.shadow.variant)).toEqual(['lora-v2', 'lora-v3']);
    const g = report.groups[0]!;
    expect(g.pairs).toBe(4);
    expect(g.primary.parseRate).toMatchObject({ count: 3, n: 4, rate: 0.75 });
    expect(g.primary.parseRate.ci95![0]).toBeCloseTo(0.30064184258240184, 12);
    expect(g.primary.parseRate.ci95![1]).toBeCloseTo(0.9544127391902995, 12);
    expect(g.primary.schemaHitRate).toMatchObject({ count: 2, rate: 0.5 });
    expect(g.primary.schemaHitRate.ci95![0]).toBeCloseTo(0.15003898915214947, 12);
    expect(g.primary.schemaHitRate.ci95![1]).toBeCloseTo(0.8499610108478506, 12);
    expect(g.shadow.parseRate.rate).toBe(1);
    expect(g.shadow.parseRate.ci95![0]).toBeCloseTo(0.5101091635454027, 12);
    expect(g.shadow.parseRate.ci95![1]).toBe(1);
    expect(g.shadow.schemaHitRate.rate).toBe(0.75);
    expect(g.primary.errors).toBe(1);
    expect(g.shadow.errors).toBe(0);
    expect(g.agreement).toMatchObject({ count: 2, n: 4, rate: 0.5 });
    // e2e: d = [10, -10, 30, 20] → mean 12.5, s = √(875/3), CI = 12.5 ± 1.959964·s/2
    const e2e = g.latency.e2eMs!;
    expect(e2e).toMatchObject({ n: 4, primaryMean: 250, shadowMean: 262.5, meanDiff: 12.5, medianDiff: 15 });
    expect(e2e.ci95![0]).toBeCloseTo(-4.236378710529944, 9);
    expect(e2e.ci95![1]).toBeCloseTo(29.236378710529944, 9);
    // TTFT: the pair without a primary TTFT is left out → d = [5, -5, 15]
    const ttft = g.latency.ttftMs!;
    expect(ttft).toMatchObject({ n: 3, primaryMean: 20, shadowMean: 25, meanDiff: 5, medianDiff: 5 });
    expect(ttft.ci95![0]).toBeCloseTo(-6.315857340761717, 9);
    expect(ttft.ci95![1]).toBeCloseTo(16.315857340761717, 9);
    // A single pair has no interval.
    expect(report.groups[1]!.latency.e2eMs!.ci95).toBeNull();
  });

  it('renders table and Markdown with the figures; JSON round-trips the summary', () => {
    const report = summarizePairs(synthetic());
    const table = renderReport(report, 'table');
    expect(table).toContain('qwen3-0.6b: base vs lora-v2');
    expect(table).toMatch(/parse rate\s+75\.0% \[30\.1, 95\.4\]\s+100\.0% \[51\.0, 100\.0\]/);
    expect(table).toMatch(/Δ e2e shadow−primary\s+\+12\.5 ms \[-4\.2, \+29\.2\] \(n=4\)/);
    const md = renderReport(report, 'markdown');
    expect(md).toContain('| call agreement | 50.0% [15.0, 85.0] |  |');
    expect(md).toContain('### qwen3-0.6b: base vs lora-v2');
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(renderReport(summarizePairs([]), 'table')).toBe('no shadow pairs found\n');
  });

  it('CLI: reads a capture dir (pairs mixed with call records and a bad line) and writes JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'toolgate-report-'));
    const lines = [...synthetic(), toolCallRecord()].map((r) => JSON.stringify(r));
    await writeFile(path.join(dir, 'capture-x.jsonl'), [...lines, 'garbage'].join('\n') + '\n');
    const out = path.join(dir, 'report.json');
    const c = spawnToolgate(['report', 'ab', '--in', dir, '--format', 'json', '--out', out]);
    expect(await new Promise((r) => c.once('exit', r)), c.output()).toBe(0);
    expect(c.output()).toContain('skipped 1 malformed input line(s)');
    const json = JSON.parse(await readFile(out, 'utf8')) as {
      groups: { pairs: number; agreement: { rate: number } }[];
    };
    expect(json.groups).toHaveLength(1);
    expect(json.groups[0]).toMatchObject({ pairs: 4, agreement: { rate: 0.5 } });
  });
});
