// summary.md of one run: overall and per-category metrics as a Markdown table, BFCL's leaderboard
// view (sections, weighting, categories not run) and what happened in multi-turn conversations.
import type { LeaderboardView } from '../bfcl/leaderboard.js';
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

/** BFCL's sections with their weights, then every category with its status. */
export function leaderboardTable(b: LeaderboardView): string {
  const mark = (complete: boolean): string => (complete ? '' : ' (incomplete)');
  const cat = (c: string): string => {
    const x = b.categories[c]!;
    if (x.status === 'not_run') return `${c} not run`;
    return `${c} ${fmtPct(x.accuracy)} (${x.correct}/${x.total}${x.status === 'partial' ? ` of ${x.size}` : ''})`;
  };
  return [
    `BFCL overall **${fmtPct(b.overall)}**${mark(b.complete)}: weights ${Object.entries(b.weights)
      .map(([k, w]) => `${k} ${w}`)
      .join(
        ', ',
      )}; categories not run count 0, as in bfcl-eval's score table. This run covers ${fmtPct(b.maxReachable)} of the overall's weight.`,
    '',
    '| section | weight | accuracy | categories |',
    '|---|---:|---:|---|',
    ...b.sections.map(
      (s) =>
        `| ${s.label} | ${s.weight} | ${fmtPct(s.accuracy)}${mark(s.complete)} | ${s.categories.map(cat).join('; ')} |`,
    ),
    `| Relevance (not in overall) | – | ${fmtPct(b.relevance)} | ${cat('live_relevance')} |`,
  ].join('\n');
}

export function renderRunSummary(s: {
  model: string;
  dataset: string;
  metrics: RunMetrics;
  leaderboard: LeaderboardView | null;
  unsettled: number;
  datasetErrors: number;
  aborted: string | null;
}): string {
  const m = s.metrics;
  const lines = [
    `# toolgate eval — ${s.model} on ${s.dataset}`,
    '',
    metricsTable(m),
    '',
    `Latency p50 ${m.latencyMs.p50 ?? '–'} ms, p95 ${m.latencyMs.p95 ?? '–'} ms. Status: ${JSON.stringify(m.status)}. Outcomes: ${JSON.stringify(m.outcomes)}.`,
  ];
  const c = m.conversations;
  if (c) {
    lines.push(
      '',
      `Conversations: ${c.items} answered, ${c.turns} turns, ${c.steps} requests, ${c.toolCalls} calls executed ` +
        `(${c.executionErrors} raised an error, ${c.refusedCalls} refused), ${c.forceQuits} stopped at BFCL's step limit.`,
    );
  }
  if (s.leaderboard) {
    const notRun = Object.entries(s.leaderboard.categories).filter(
      ([, x]) => x.status === 'not_run' && x.reason !== 'not in this run',
    );
    lines.push('', '## BFCL v4 leaderboard view', '', leaderboardTable(s.leaderboard));
    if (notRun.length) lines.push('', 'Cannot run here:', ...notRun.map(([k, x]) => `- \`${k}\`: ${x.reason}`));
  }
  if (Object.keys(m.bfclErrors).length)
    lines.push(
      '',
      `BFCL errors: ${Object.entries(m.bfclErrors)
        .map(([k, v]) => `${k} ×${v}`)
        .join(', ')}`,
    );
  if (s.unsettled) lines.push('', `**${s.unsettled} item(s) not answered** — re-run the same command to resume.`);
  if (s.datasetErrors)
    lines.push('', `**${s.datasetErrors} malformed dataset line(s)** skipped — see dataset-errors.jsonl.`);
  if (s.aborted) lines.push('', `**Run stopped:** ${s.aborted}`);
  return lines.join('\n') + '\n';
}
