// summary.md of one run: overall and per-category metrics as a Markdown table.
import { METRIC_LABELS, metricValue, type MetricSet, type RunMetrics } from '../metrics/aggregate.js';

export const fmtPct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);

function row(name: string, m: MetricSet): string {
  return `| ${name} | ${m.answered}/${m.items} | ${METRIC_LABELS.map(([k]) => fmtPct(metricValue(m, k))).join(' | ')} |`;
}

export function metricsTable(metrics: RunMetrics): string {
  const head = `| category | answered | ${METRIC_LABELS.map(([, l]) => l).join(' | ')} |`;
  const sep = `|---|---|${METRIC_LABELS.map(() => '---:').join('|')}|`;
  const rows = Object.entries(metrics.byCategory).map(([c, m]) => row(c, m));
  return [head, sep, row('**all**', metrics.overall), ...rows].join('\n');
}

export function renderRunSummary(s: { model: string; dataset: string; metrics: RunMetrics; unsettled: number; datasetErrors: number; aborted: string | null }): string {
  const m = s.metrics;
  const lines = [
    `# toolgate eval — ${s.model} on ${s.dataset}`,
    '',
    metricsTable(m),
    '',
    `Latency p50 ${m.latencyMs.p50 ?? '–'} ms, p95 ${m.latencyMs.p95 ?? '–'} ms. Status: ${JSON.stringify(m.status)}. Outcomes: ${JSON.stringify(m.outcomes)}.`,
  ];
  if (Object.keys(m.bfclErrors).length) lines.push('', `BFCL errors: ${Object.entries(m.bfclErrors).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  if (s.unsettled) lines.push('', `**${s.unsettled} item(s) not answered** — re-run the same command to resume.`);
  if (s.datasetErrors) lines.push('', `**${s.datasetErrors} malformed dataset line(s)** skipped — see dataset-errors.jsonl.`);
  if (s.aborted) lines.push('', `**Run stopped:** ${s.aborted}`);
  return lines.join('\n') + '\n';
}
