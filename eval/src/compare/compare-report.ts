// `toolgate eval compare`: any number of finished runs side by side — JSON, Markdown and HTML,
// with grouped-bar SVG charts (overall metrics; BFCL accuracy per category; BFCL's leaderboard
// sections and overall). The first run is the baseline the deltas are taken against. A single
// run's report.html is the same page with one run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { LeaderboardView } from '../bfcl/leaderboard.js';
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
  /** BFCL's leaderboard numbers (bfcl: datasets; absent in runs of other datasets or older versions). */
  leaderboard: LeaderboardView | null;
}

export class CompareError extends Error {
  override name = 'CompareError';
}

export function loadRun(dir: string, name?: string): LoadedRun {
  const path = join(dir, RUN_FILES.metrics);
  if (!existsSync(path))
    throw new CompareError(`${dir}: no ${RUN_FILES.metrics} (not a finished \`toolgate eval\` run folder)`);
  let m: RunMetrics & { model?: string; dataset?: string; bfclLeaderboard?: LeaderboardView | null };
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as typeof m;
  } catch (err) {
    throw new CompareError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!m.overall || !m.byCategory)
    throw new CompareError(`${path}: missing 'overall'/'byCategory' — written by another tool?`);
  return {
    name: name ?? (basename(resolve(dir)) || dir),
    dir,
    model: m.model ?? '?',
    dataset: m.dataset ?? '?',
    metrics: m,
    leaderboard: m.bfclLeaderboard ?? null,
  };
}

export interface Comparison {
  runs: { name: string; dir: string; model: string; dataset: string }[];
  metrics: { key: string; label: string; values: (number | null)[]; deltaVsFirst: (number | null)[] }[];
  categories: Record<string, { key: string; values: (number | null)[] }[]>;
  /** BFCL leaderboard rows (overall, sections, categories); empty when no run has BFCL numbers. */
  bfcl: BfclRow[];
  /** BFCL categories none of the runs ran, and why. */
  bfclNotRun: { category: string; reason: string }[];
}

export interface BfclRow {
  key: string;
  label: string;
  /** Weight in BFCL's overall (sections only). */
  weight?: number;
  values: (number | null)[];
  deltaVsFirst: (number | null)[];
  /** Per run: '' (complete), 'partial', 'incomplete' (a section missing categories) or 'not run'. */
  marks: string[];
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
  return {
    runs: runs.map(({ name, dir, model, dataset }) => ({ name, dir, model, dataset })),
    metrics,
    categories,
    bfcl: bfclRows(runs),
    bfclNotRun: notRunAnywhere(runs),
  };
}

function bfclRows(runs: LoadedRun[]): BfclRow[] {
  const boards = runs.map((r) => r.leaderboard);
  const first = boards.find((b) => b !== null);
  if (!first) return [];
  const row = (
    key: string,
    label: string,
    pick: (b: LeaderboardView) => { value: number | null; mark: string },
    weight?: number,
  ): BfclRow => {
    const picked = boards.map((b) => (b ? pick(b) : { value: null, mark: 'not run' }));
    const values = picked.map((p) => p.value);
    return {
      key,
      label,
      ...(weight !== undefined ? { weight } : {}),
      values,
      deltaVsFirst: values.map((v) => delta(v, values[0] ?? null)),
      marks: picked.map((p) => p.mark),
    };
  };
  const rows = [
    row('overall', 'BFCL overall', (b) => ({ value: b.overall, mark: b.complete ? '' : 'incomplete' })),
    row('maxReachable', 'weight covered by this run', (b) => ({ value: b.maxReachable, mark: '' })),
    ...first.sections.map((s) =>
      row(
        `section:${s.key}`,
        s.label,
        (b) => {
          const sec = b.sections.find((x) => x.key === s.key)!;
          return { value: sec.accuracy, mark: sec.complete ? '' : 'incomplete' };
        },
        s.weight,
      ),
    ),
    row('relevance', 'Relevance (not in overall)', (b) => ({
      value: b.relevance,
      mark: b.relevance === null ? 'not run' : '',
    })),
  ];
  const cats = Object.keys(first.categories).filter((c) =>
    boards.some((b) => b && b.categories[c]?.status !== 'not_run'),
  );
  for (const c of cats) {
    rows.push(
      row(`category:${c}`, c, (b) => {
        const x = b.categories[c];
        return {
          value: x?.accuracy ?? null,
          mark: x?.status === 'partial' ? `partial ${x.total}/${x.size}` : x?.status === 'not_run' ? 'not run' : '',
        };
      }),
    );
  }
  return rows;
}

/** Categories no run ran, with the reason (the same for every run). */
function notRunAnywhere(runs: LoadedRun[]): { category: string; reason: string }[] {
  const boards = runs.map((r) => r.leaderboard).filter((b): b is LeaderboardView => b !== null);
  if (boards.length === 0) return [];
  const [first] = boards;
  return Object.entries(first!.categories)
    .filter(([c]) => boards.every((b) => b.categories[c]?.status === 'not_run'))
    .map(([category, x]) => ({ category, reason: x.reason ?? '' }));
}

const fmtDelta = (d: number | null): string =>
  d === null ? '' : ` (${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(1)} pp)`;

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
      chart: {
        title: 'BFCL accuracy by category',
        groups: cats,
        series: c.runs.map((r, i) => ({ name: r.name, values: bfcl.map((m) => m.values[i] ?? null) })),
      },
    });
  }
  const board = c.bfcl.filter((r) => r.key === 'overall' || r.key.startsWith('section:'));
  if (board.length > 0) {
    out.push({
      file: 'bfcl-leaderboard.svg',
      chart: {
        title: 'BFCL v4 overall and sections (leaderboard weighting)',
        groups: board.map((r) => r.label),
        series: c.runs.map((run, i) => ({ name: run.name, values: board.map((r) => r.values[i] ?? null) })),
      },
    });
  }
  const sem = pick('semanticMatch');
  out.push({
    file: 'semantic-by-category.svg',
    chart: {
      title: 'Semantic match by category',
      groups: cats,
      series: c.runs.map((r, i) => ({ name: r.name, values: sem.map((m) => m.values[i] ?? null) })),
    },
  });
  return out;
}

export function renderMarkdown(c: Comparison): string {
  const head = `| metric | ${c.runs.map((r) => r.name).join(' | ')} |`;
  const sep = `|---|${c.runs.map(() => '---:').join('|')}|`;
  const rows = c.metrics.map(
    (m) =>
      `| ${m.label} | ${m.values.map((v, i) => fmtPct(v) + (i > 0 ? fmtDelta(m.deltaVsFirst[i]!) : '')).join(' | ')} |`,
  );
  const catRows = Object.entries(c.categories).map(([cat, ms]) => {
    const b = ms.find((m) => m.key === 'bfclAccuracy')!;
    const s = ms.find((m) => m.key === 'semanticMatch')!;
    return `| ${cat} | ${c.runs.map((_, i) => `${fmtPct(b.values[i] ?? null)} / ${fmtPct(s.values[i] ?? null)}`).join(' | ')} |`;
  });
  return [
    `# Eval comparison`,
    '',
    c.runs
      .map((r, i) => `${i + 1}. **${r.name}** — model \`${r.model}\`, dataset \`${r.dataset}\` (${r.dir})`)
      .join('\n'),
    '',
    `Deltas in percentage points against **${c.runs[0]?.name ?? '–'}**.`,
    '',
    head,
    sep,
    ...rows,
    '',
    ...bfclMarkdown(c),
    '## By category (BFCL accuracy / semantic match)',
    '',
    `| category | ${c.runs.map((r) => r.name).join(' | ')} |`,
    sep,
    ...catRows,
    '',
    ...charts(c).map((ch) => `![${ch.chart.title}](${ch.file})`),
    '',
  ].join('\n');
}

const fmtMarked = (v: number | null, mark: string): string => fmtPct(v) + (mark ? ` (${mark})` : '');

function bfclMarkdown(c: Comparison): string[] {
  if (c.bfcl.length === 0) return [];
  const sep = `|---|---:|${c.runs.map(() => '---:').join('|')}|`;
  return [
    '## BFCL v4 leaderboard view',
    '',
    "Computed with bfcl-eval's own weighting (overall = 10 % non-live + 10 % live + 10 % irrelevance + 30 % multi-turn + 40 % agentic). Categories not run count 0, as in bfcl-eval's score table; *weight covered* is the most this run's overall could reach.",
    '',
    `| | weight | ${c.runs.map((r) => r.name).join(' | ')} |`,
    sep,
    ...c.bfcl.map(
      (r) =>
        `| ${r.label} | ${r.weight ?? ''} | ${r.values.map((v, i) => fmtMarked(v, r.marks[i]!) + (i > 0 ? fmtDelta(r.deltaVsFirst[i]!) : '')).join(' | ')} |`,
    ),
    '',
    ...(c.bfclNotRun.length ? ['Not run:', ...c.bfclNotRun.map((n) => `- \`${n.category}\`: ${n.reason}`), ''] : []),
  ];
}

function bfclHtml(c: Comparison): string {
  if (c.bfcl.length === 0) return '';
  const rows = c.bfcl
    .map(
      (r) =>
        `<tr><td>${escapeXml(r.label)}</td><td>${r.weight ?? ''}</td>${r.values
          .map(
            (v, i) =>
              `<td>${escapeXml(fmtMarked(v, r.marks[i]!))}${i > 0 ? escapeXml(fmtDelta(r.deltaVsFirst[i]!)) : ''}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  const notRun = c.bfclNotRun.length
    ? `<p>Not run:</p><ul>${c.bfclNotRun.map((n) => `<li><code>${escapeXml(n.category)}</code>: ${escapeXml(n.reason)}</li>`).join('')}</ul>`
    : '';
  return `<h2>BFCL v4 leaderboard view</h2>
<p>Computed with bfcl-eval's own weighting (overall = 10 % non-live + 10 % live + 10 % irrelevance + 30 % multi-turn + 40 % agentic). Categories not run count 0, as in bfcl-eval's score table; <i>weight covered</i> is the most this run's overall could reach.</p>
<table><thead><tr><th></th><th>weight</th>${c.runs.map((r) => `<th>${escapeXml(r.name)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
${notRun}`;
}

export function renderHtml(c: Comparison, title = 'Eval comparison'): string {
  const th = c.runs.map((r) => `<th>${escapeXml(r.name)}</th>`).join('');
  const rows = c.metrics
    .map(
      (m) =>
        `<tr><td>${escapeXml(m.label)}</td>${m.values.map((v, i) => `<td>${fmtPct(v)}${i > 0 ? escapeXml(fmtDelta(m.deltaVsFirst[i]!)) : ''}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>${escapeXml(title)}</h1>
<ol>${c.runs.map((r) => `<li><b>${escapeXml(r.name)}</b> — model <code>${escapeXml(r.model)}</code>, dataset <code>${escapeXml(r.dataset)}</code></li>`).join('')}</ol>
<table><thead><tr><th>metric</th>${th}</tr></thead><tbody>
${rows}
</tbody></table>
${bfclHtml(c)}
${charts(c)
  .map((ch) => `<figure>${renderBarChart(ch.chart)}</figure>`)
  .join('\n')}
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

/** report.html of one run folder: the comparison page with that run alone. */
export function renderRunReport(dir: string): string {
  const run = loadRun(dir);
  return renderHtml(buildComparison([run]), `toolgate eval — ${run.model} on ${run.dataset}`);
}
