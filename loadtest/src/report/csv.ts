// results.csv: one row per cell, flat columns for spreadsheets and pandas.
import type { CellResult, RunResults } from '../runner/types.js';
import type { Summary } from '../runner/stats.js';

const LAT = ['ttft', 'tpot', 'itl', 'e2el'] as const;
const STATS: Array<keyof Summary> = ['mean', 'p50', 'p95', 'p99'];

export function csvEscape(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(Math.round(v * 1e6) / 1e6) : '') : v;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(results: RunResults): string {
  const serverNames = [...new Set(results.cells.flatMap((c) => c.server.map((s) => s.name)))].sort();
  const header = [
    'target_label',
    'target_url',
    'context_tokens',
    'concurrency',
    'prompt_tokens_measured',
    'prompt_tokens_method',
    'tools_per_prompt',
    'completed',
    'failed',
    'duration_s',
    'total_input_tokens',
    'total_output_tokens',
    'request_throughput',
    'output_throughput',
    'total_token_throughput',
    'request_goodput',
    ...LAT.flatMap((l) => STATS.map((s) => `${l}_${s}_ms`)),
    'max_concurrent_requests',
    'errors',
    'tool_call_outcomes',
    ...serverNames.map((n) => `server_${n}_mean`),
    'aborted',
  ];
  const rows = results.cells.map((c) => row(c, serverNames));
  return [header, ...rows].map((r) => r.map(csvEscape).join(',')).join('\n') + '\n';
}

function row(c: CellResult, serverNames: string[]): Array<string | number | null> {
  const m = c.metrics;
  const kv = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${Math.round(v * 1e4) / 1e4}`)
      .join(';');
  return [
    c.targetLabel,
    c.targetUrl,
    c.contextTokens,
    c.concurrency,
    c.promptTokensMeasured,
    c.promptTokensMethod,
    c.toolsPerPrompt,
    m.completed,
    m.failed,
    m.durationS,
    m.totalInputTokens,
    m.totalOutputTokens,
    m.requestThroughput,
    m.outputThroughput,
    m.totalTokenThroughput,
    m.requestGoodput,
    ...LAT.flatMap((l) => STATS.map((s) => m[`${l}Ms`][s])),
    m.maxConcurrentRequests,
    kv(m.errors),
    kv(m.toolCallOutcomes),
    ...serverNames.map((n) => {
      const r = c.server.find((s) => s.name === n);
      return r && !r.absent ? r.mean : null;
    }),
    c.aborted ?? null,
  ];
}
