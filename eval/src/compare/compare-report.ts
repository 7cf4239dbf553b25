// `toolgate eval compare`: any number of finished runs side by side — JSON, Markdown and HTML,
// with grouped-bar SVG charts (overall metrics; BFCL AST accuracy per category). The first run
// is the baseline the deltas are taken against.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { METRIC_LABELS, metricValue, type MetricSet, type RunMetrics } from '../metrics/aggregate.js';
import { RUN_FILES } from '../run/runner.js';
import { fmtPct } from '../run/summary.js';
import { escapeXml, renderBarChart, type BarChart } from './svg-bars.js';

export interface LoadedRun {
  name: string;
  dir: string;
  model: string;
  dataset: string;
  metrics: RunMetrics;
}

export class CompareError extends Error {
  override name = 'CompareError';
}

export function loadRun(dir: string, name?: string): LoadedRun {
  const path = join(dir, RUN_FILES.metrics);
  if (!existsSync(path)) throw new CompareError(`${dir}: no ${RUN_FILES.metrics} (not a finished \`toolgate eval\` run folder)`);
  let m: RunMetrics & { model?: string; dataset?: string };
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as typeof m;
  } catch (err) {
    throw new CompareError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!m.overall || !m.byCategory) throw new CompareError(`${path}: missing 'overall'/'byCategory' — written by another tool?`);
  return { name: name ?? (basename(resolve(dir)) || dir), dir, model: m.model ?? '?', dataset: m.dataset ?? '?', metrics: m };
}

export interface Comparison {
  runs: { name: string; dir: string; model: string; dataset: string }[];
  metrics: { key: string; label: string; values: (number | null)[]; deltaVsFirst: (number | null)[] }[];
  categories: Record<string, { key: string; values: (number | null)[] }[]>;
}

const delta = (v: number | null, base: number | null): number | null => (v === null || base === null ? null : v - base);

export function buildComparison(runs: LoadedRun[]): Comparison {
  const metrics = METRIC_LABELS.map(([key, label]) => {
    const values = runs.map((r) => metricValue(r.metrics.overall, key));
    return { key, label, values, deltaVsFirst: values.map((v) => delta(v, values[0] ?? null)) };
  });
  const categories: Comparison['categories'] = {};
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics.byCategory)))].sort();
  for (const c of names) {
    categories[c] = METRIC_LABELS.map(([key]) => ({
      key,
      values: runs.map((r) => {
        const m: MetricSet | undefined = r.metrics.byCategory[c];
        return m ? metricValue(m, key) : null;
      }),
    }));
  }
  return { runs: runs.map(({ name, dir, model, dataset }) => ({ name, dir, model, dataset })), metrics, categories };
}

const fmtDelta = (d: number | null): string => (d === null ? '' : ` (${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(1)} pp)`);

export function charts(c: Comparison): { file: string; chart: BarChart }[] {
  const out = [
    {
      file: 'overall.svg',
      chart: {
        title: 'Overall metrics',
        groups: c.metrics.map((m) => m.label),
        series: c.runs.map((r, i) => ({ name: r.name, values: c.metrics.map((m) => m.values[i] ?? null) })),
      },
    },
  ];
  const cats = Object.keys(c.categories);
  const pick = (key: string) => cats.map((cat) => c.categories[cat]!.find((m) => m.key === key)!);
  const bfcl = pick('bfclAccuracy');
  if (bfcl.some((m) => m.values.some((v) => v !== null))) {
    out.push({
      file: 'bfcl-by-category.svg',
      chart: { title: 'BFCL AST accuracy by category', groups: cats, series: c.runs.map((r, i) => ({ name: r.name, values: bfcl.map((m) => m.values[i] ?? null) })) },
    });
  }
  const sem = pick('semanticMatch');
  out.push({
    file: 'semantic-by-category.svg',
    chart: { title: 'Semantic match by category', groups: cats, series: c.runs.map((r, i) => ({ name: r.name, values: sem.map((m) => m.values[i] ?? null) })) },
  });
  return out;
}

export function renderMarkdown(c: Comparison): string {
  const head = `| metric | ${c.runs.map((r) => r.name).join(' | ')} |`;
  const sep = `|---|${c.runs.map(() => '---:').join('|')}|`;
  const rows = c.metrics.map((m) => `| ${m.label} | ${m.values.map((v, i) => fmtPct(v) + (i > 0 ? fmtDelta(m.deltaVsFirst[i]!) : '')).join(' | ')} |`);
  const catRows = Object.entries(c.categories).map(([cat, ms]) => {
    const b = ms.find((m) => m.key === 'bfclAccuracy')!;
    const s = ms.find((m) => m.key === 'semanticMatch')!;
    return `| ${cat} | ${c.runs.map((_, i) => `${fmtPct(b.values[i] ?? null)} / ${fmtPct(s.values[i] ?? null)}`).join(' | ')} |`;
  });
  return [
    `# Eval comparison`,
    '',
    c.runs.map((r, i) => `${i + 1}. **${r.name}** — model \`${r.model}\`, dataset \`${r.dataset}\` (${r.dir})`).join('\n'),
    '',
    `Deltas in percentage points against **${c.runs[0]?.name ?? '–'}**.`,
    '',
    head,
    sep,
    ...rows,
    '',
    '## By category (BFCL AST accuracy / semantic match)',
    '',
    `| category | ${c.runs.map((r) => r.name).join(' | ')} |`,
    sep,
    ...catRows,
    '',
    ...charts(c).map((ch) => `![${ch.chart.title}](${ch.file})`),
    '',
  ].join('\n');
}

export function renderHtml(c: Comparison): string {
  const th = c.runs.map((r) => `<th>${escapeXml(r.name)}</th>`).join('');
  const rows = c.metrics
    .map((m) => `<tr><td>${escapeXml(m.label)}</td>${m.values.map((v, i) => `<td>${fmtPct(v)}${i > 0 ? escapeXml(fmtDelta(m.deltaVsFirst[i]!)) : ''}</td>`).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval comparison</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>Eval comparison</h1>
<ol>${c.runs.map((r) => `<li><b>${escapeXml(r.name)}</b> — model <code>${escapeXml(r.model)}</code>, dataset <code>${escapeXml(r.dataset)}</code></li>`).join('')}</ol>
<table><thead><tr><th>metric</th>${th}</tr></thead><tbody>
${rows}
</tbody></table>
${charts(c).map((ch) => `<figure>${renderBarChart(ch.chart)}</figure>`).join('\n')}
</body></html>
`;
}

export function writeComparison(runs: LoadedRun[], out: string): { files: string[]; comparison: Comparison } {
  if (runs.length === 0) throw new CompareError('name at least one run folder');
  const seen = new Map<string, number>();
  for (const r of runs) {
    const n = seen.get(r.name) ?? 0;
    seen.set(r.name, n + 1);
    if (n > 0) r.name = `${r.name} (${n + 1})`; // two folders with the same base name
  }
  const comparison = buildComparison(runs);
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileSync(join(out, name), text);
    files.push(join(out, name));
  };
  write('compare.json', JSON.stringify(comparison, null, 2) + '\n');
  write('compare.md', renderMarkdown(comparison));
  write('compare.html', renderHtml(comparison));
  for (const ch of charts(comparison)) write(ch.file, renderBarChart(ch.chart));
  return { files, comparison };
}
