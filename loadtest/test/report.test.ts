import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHART_IDS } from '../src/report/charts.js';
import { csvEscape } from '../src/report/csv.js';
import { renderLineChart } from '../src/report/svg-chart.js';
import { REPORT_FILES, writeReport } from '../src/report/write-report.js';
import { launchChromium } from './helpers/chromium.js';
import { syntheticResults } from './helpers/synthetic-results.js';

describe('report files', () => {
  let dir: string;
  let browser: Browser;
  const a = { label: 'seqs-8', target: 'http://127.0.0.1:1', maxNumSeqs: 8, maxNumBatchedTokens: 2048 };
  const b = { label: 'seqs-64<&>', target: 'http://127.0.0.1:2', maxNumSeqs: 64 };
  const results = syntheticResults([a, b], { 'seqs-64<&>': 1.5 });
  results.problems.push('seqs-9: target http://127.0.0.1:9 is unreachable (ECONNREFUSED)');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-report-'));
    await writeReport(dir, results);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes results.json with every cell and the recommendation, and results.csv with one row per cell', async () => {
    for (const f of REPORT_FILES) expect((await stat(path.join(dir, f))).size).toBeGreaterThan(100);
    const json = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8'));
    expect(json.cells).toHaveLength(results.cells.length);
    expect(json.config.requestRate).toBe('inf');
    expect(json.recommendation.bestMeasured).toBe('seqs-64<&>');
    expect(json.cells[0].metrics.ttftMs.p95).toBeCloseTo(results.cells[0]!.metrics.ttftMs.p95, 9);
    const csv = (await readFile(path.join(dir, 'results.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(results.cells.length + 1);
    const header = csv[0]!.split(',');
    const row = csv[1]!.split(',');
    expect(row[header.indexOf('concurrency')]).toBe(String(results.cells[0]!.concurrency));
    expect(Number(row[header.indexOf('ttft_p95_ms')])).toBeCloseTo(results.cells[0]!.metrics.ttftMs.p95, 3);
    expect(header).toContain('server_kv_cache_usage_perc_mean');
    const md = await readFile(path.join(dir, 'summary.md'), 'utf8');
    expect(md).toMatch(/max_num_seqs = \d+/);
    expect(md).toMatch(/Rule: /);
    expect(md).toMatch(/unreachable/);
  });

  it('report.html renders in headless Chromium with every chart, offline and escaped', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(path.join(dir, 'report.html')).href;
    await page.goto(url);
    for (const id of CHART_IDS) {
      const svg = page.locator(`svg[data-chart="${id}"]`);
      await expect(svg.count()).resolves.toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(200);
      // 2 settings × 3 context lengths = 6 series, each drawn as a line.
      await expect(svg.locator('path.series').count()).resolves.toBe(6);
    }
    await expect(page.locator('svg[data-chart="ttft-p95-vs-concurrency"] .target-line').count()).resolves.toBe(1);
    await expect(page.locator('#cells tbody tr').count()).resolves.toBe(results.cells.length);
    await expect(page.locator('#server th', { hasText: 'kv_cache_usage_perc' }).count()).resolves.toBe(1);
    expect(await page.locator('body').innerText()).toContain('seqs-64<&>'); // shown as text, not markup
    const png = await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    expect(png.byteLength).toBeGreaterThan(20_000);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.close();
  });

  it('charts with no data still render a valid, labelled SVG; CSV escapes', () => {
    const svg = renderLineChart({
      id: 'x',
      title: 'empty',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 'a', points: [] }],
    });
    expect(svg).toContain('no successful cells');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(csvEscape('a,"b"')).toBe('"a,""b"""');
    expect(csvEscape(Infinity)).toBe('');
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', async () => {
    const { niceTicks } = await import('../src/report/svg-chart.js');
    expect(niceTicks(0, 1725)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const t = niceTicks(0, 837);
    expect(t[0]).toBe(0);
    expect(t.at(-1)).toBeGreaterThanOrEqual(837);
  });
});
