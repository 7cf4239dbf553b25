// Renders an A/B report as a terminal table, Markdown, or JSON.
import type { Rate, PairedDelta } from './stats.js';
import type { AbReport, AbSummary } from './summarize.js';

export type ReportFormat = 'table' | 'markdown' | 'json';

const pct = (r: Rate) =>
  r.rate === null
    ? 'n/a'
    : `${(r.rate * 100).toFixed(1)}% [${(r.ci95![0] * 100).toFixed(1)}, ${(r.ci95![1] * 100).toFixed(1)}]`;
const ms = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
const delta = (d: PairedDelta | null) =>
  d === null ? 'n/a' : `${ms(d.meanDiff)} ms${d.ci95 ? ` [${ms(d.ci95[0])}, ${ms(d.ci95[1])}]` : ''} (n=${d.n})`;

function rows(g: AbSummary): [string, string, string][] {
  return [
    ['pairs', String(g.pairs), ''],
    ['parse rate', pct(g.primary.parseRate), pct(g.shadow.parseRate)],
    ['schema hit rate', pct(g.primary.schemaHitRate), pct(g.shadow.schemaHitRate)],
    ['errors', String(g.primary.errors), String(g.shadow.errors)],
    [
      'mean TTFT (ms)',
      g.latency.ttftMs ? g.latency.ttftMs.primaryMean.toFixed(1) : 'n/a',
      g.latency.ttftMs ? g.latency.ttftMs.shadowMean.toFixed(1) : 'n/a',
    ],
    [
      'mean e2e (ms)',
      g.latency.e2eMs ? g.latency.e2eMs.primaryMean.toFixed(1) : 'n/a',
      g.latency.e2eMs ? g.latency.e2eMs.shadowMean.toFixed(1) : 'n/a',
    ],
    ['call agreement', pct(g.agreement), ''],
    ['Δ TTFT shadow−primary', delta(g.latency.ttftMs), ''],
    ['Δ e2e shadow−primary', delta(g.latency.e2eMs), ''],
  ];
}

const NOTE =
  'Rates: Wilson 95% CI. Deltas: mean of paired differences (shadow − primary), 95% CI by normal approximation.';

export function renderReport(report: AbReport, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (report.groups.length === 0) return 'no shadow pairs found\n';
  const parts: string[] = [];
  for (const g of report.groups) {
    const head: [string, string, string] = ['metric', `primary: ${g.primary.variant}`, `shadow: ${g.shadow.variant}`];
    const body = rows(g);
    if (format === 'markdown') {
      parts.push(`### ${g.model}: ${g.primary.variant} vs ${g.shadow.variant}\n`);
      parts.push(
        `| ${head.join(' | ')} |\n|---|---|---|\n` + body.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n',
      );
    } else {
      const w = [0, 1, 2].map((i) => Math.max(...[head, ...body].map((r) => (r[i] as string).length)));
      const line = (r: string[]) =>
        r
          .map((c, i) => c.padEnd(w[i] as number))
          .join('  ')
          .trimEnd();
      parts.push(
        `${g.model}: ${g.primary.variant} vs ${g.shadow.variant}\n` +
          [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n') +
          '\n',
      );
    }
  }
  parts.push(format === 'markdown' ? `\n_${NOTE}_\n` : `${NOTE}\n`);
  if (report.duplicates > 0) parts.push(`(${report.duplicates} duplicate pair record(s) ignored)\n`);
  return parts.join('\n');
}
