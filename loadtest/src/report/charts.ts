// The report's charts, built from the cells: one series per (server settings, context length).
import type { CellResult, RunResults } from '../runner/types.js';
import type { ChartSpec, Series } from './svg-chart.js';

export const CHART_IDS = [
  'ttft-p95-vs-concurrency',
  'throughput-vs-concurrency',
  'tpot-p50-vs-concurrency',
  'latency-vs-throughput',
] as const;

function groups(results: RunResults): Array<{ name: string; cells: CellResult[] }> {
  const multi = results.config.targets.length > 1;
  const out: Array<{ name: string; cells: CellResult[] }> = [];
  for (const t of results.config.targets) {
    for (const ctx of results.config.contextTokens) {
      const cells = results.cells
        .filter((c) => c.targetLabel === t.label && c.contextTokens === ctx && !c.aborted && c.metrics.completed > 0)
        .sort((a, b) => a.concurrency - b.concurrency);
      out.push({ name: multi ? `${t.label} · ${ctx} tok` : `${ctx} tok`, cells });
    }
  }
  return out;
}

function byConcurrency(results: RunResults, pick: (c: CellResult) => number): Series[] {
  return groups(results).map((g) => ({ name: g.name, points: g.cells.map((c) => ({ x: c.concurrency, y: pick(c) })) }));
}

export function buildCharts(results: RunResults): ChartSpec[] {
  const target = results.config.ttftP95TargetMs;
  return [
    {
      id: 'ttft-p95-vs-concurrency',
      title: 'TTFT P95 vs concurrency',
      xLabel: 'concurrency (requests in flight)',
      yLabel: 'TTFT P95 (ms)',
      xLog2: true,
      series: byConcurrency(results, (c) => c.metrics.ttftMs.p95),
      hLine: { y: target, label: `target ${target} ms` },
    },
    {
      id: 'throughput-vs-concurrency',
      title: 'Output throughput vs concurrency',
      xLabel: 'concurrency (requests in flight)',
      yLabel: 'output tokens/s',
      xLog2: true,
      series: byConcurrency(results, (c) => c.metrics.outputThroughput),
    },
    {
      id: 'tpot-p50-vs-concurrency',
      title: 'TPOT P50 vs concurrency',
      xLabel: 'concurrency (requests in flight)',
      yLabel: 'TPOT P50 (ms)',
      xLog2: true,
      series: byConcurrency(results, (c) => c.metrics.tpotMs.p50),
    },
    {
      id: 'latency-vs-throughput',
      title: 'Latency–throughput curve (labels: concurrency)',
      xLabel: 'output tokens/s',
      yLabel: 'TTFT P95 (ms)',
      series: groups(results).map((g) => ({
        name: g.name,
        points: g.cells.map((c) => ({
          x: c.metrics.outputThroughput,
          y: c.metrics.ttftMs.p95,
          label: `c${c.concurrency}`,
        })),
      })),
      hLine: { y: target, label: `target ${target} ms` },
    },
  ];
}
