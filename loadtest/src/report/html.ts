// report.html: one self-contained page (inline CSS, inline SVG, no scripts or external assets).
import type { CellResult, RunResults } from '../runner/types.js';
import { buildCharts } from './charts.js';
import type { Recommendation } from './recommend.js';
import { escapeXml as esc, renderLineChart } from './svg-chart.js';

const CSS = `body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}tr.aborted td{color:#999}
.rec{background:#f4f9f4;border:1px solid #b5d6b5;padding:10px 14px}.problems{background:#fdf3f3;border:1px solid #e0b4b4;padding:10px 14px}
code{background:#f3f3f3;padding:0 3px}`;

const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d);

export function renderHtml(results: RunResults, rec: Recommendation): string {
  const c = results.config;
  const charts = buildCharts(results).map(renderLineChart).join('\n');
  const recItems = rec.targets
    .map((t) => {
      const head = rec.targets.length > 1 ? `<code>${esc(t.label)}</code>: ` : '';
      const body =
        t.maxNumSeqs === null
          ? 'no recommendation — no cell met the target.'
          : `<b>max_num_seqs = ${t.maxNumSeqs}</b> per pod, <b>max_num_batched_tokens = ${t.maxNumBatchedTokens}</b>`;
      return `<li>${head}${body}${t.notes.length ? `<ul>${t.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</li>`;
    })
    .join('');
  const measured = rec.bestMeasured
    ? `<p><b>Measured best settings: <code>${esc(rec.bestMeasured)}</code></b></p>`
    : '';
  const problems = results.problems.length
    ? `<div class="problems"><h2>Problems</h2><ul>${results.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Toolgate load test — ${esc(c.model)}</title><style>${CSS}</style></head>
<body>
<h1>Toolgate load test — ${esc(c.model)}</h1>
<p>${esc(runLine(results))}</p>
<div class="rec"><h2>Recommendation (P95 TTFT ≤ ${c.ttftP95TargetMs} ms)</h2>${measured}<ul>${recItems}</ul><p><small>Rule: ${esc(rec.rule)}</small></p></div>
${problems}
<h2>Charts</h2>
<div class="charts">
${charts}
</div>
<h2>Cells</h2>
${cellTable(results.cells)}
${serverTable(results.cells)}
</body></html>
`;
}

function runLine(r: RunResults): string {
  const c = r.config;
  return (
    `${c.targets.map((t) => `${t.label} → ${t.target}`).join(', ')} · ` +
    `${c.requestsPerCell !== null ? `${c.requestsPerCell} requests` : `${c.durationS} s`} per cell after ${c.warmupRequests < 0 ? 'one warm-up request per concurrency slot' : `${c.warmupRequests} warm-up`} · max_tokens ${c.maxTokens} · ` +
    (c.requestRate === Infinity ? 'closed loop' : `open loop ${c.requestRate} req/s (burstiness ${c.burstiness})`) +
    ` · started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ' (unfinished)'}`
  );
}

function cellTable(cells: CellResult[]): string {
  const head = [
    'settings',
    'context',
    'prompt tok',
    'tools',
    'conc.',
    'ok',
    'failed',
    'req/s',
    'out tok/s',
    'goodput',
    'TTFT p50',
    'TTFT p95',
    'TTFT p99',
    'TPOT p50',
    'TPOT p95',
    'ITL p50',
    'ITL p99',
    'E2EL p50',
    'E2EL p95',
    'errors',
    'tool calls',
  ];
  const rows = cells.map((x) => {
    const m = x.metrics;
    const kv = (o: Record<string, number>, pct = false) =>
      Object.entries(o)
        .map(([k, v]) => `${k} ${pct ? `${(v * 100).toFixed(0)}%` : v}`)
        .join(', ');
    if (x.aborted)
      return `<tr class="aborted"><td class="l">${esc(x.targetLabel)}</td><td>${x.contextTokens}</td><td>–</td><td>–</td><td>${x.concurrency}</td><td class="l" colspan="${head.length - 5}">not run: ${esc(x.aborted)}</td></tr>`;
    const cells2 = [
      `${x.promptTokensMeasured}${x.promptTokensMethod === 'estimate' ? '≈' : ''}`,
      x.toolsPerPrompt,
      x.concurrency,
      m.completed,
      m.failed,
      f(m.requestThroughput, 2),
      f(m.outputThroughput, 0),
      f(m.requestGoodput, 2),
      f(m.ttftMs.p50),
      f(m.ttftMs.p95),
      f(m.ttftMs.p99),
      f(m.tpotMs.p50, 2),
      f(m.tpotMs.p95, 2),
      f(m.itlMs.p50, 2),
      f(m.itlMs.p99, 2),
      f(m.e2elMs.p50, 0),
      f(m.e2elMs.p95, 0),
    ];
    return `<tr><td class="l">${esc(x.targetLabel)}</td><td>${x.contextTokens}</td>${cells2.map((v) => `<td>${esc(String(v))}</td>`).join('')}<td class="l">${esc(kv(m.errors))}</td><td class="l">${esc(kv(m.toolCallOutcomes, true))}</td></tr>`;
  });
  return `<p><small>Latencies in ms (TTFT, TPOT = (E2EL − TTFT)/(output tokens − 1), ITL pooled over all chunk gaps, E2EL); percentiles by linear interpolation as numpy/vLLM; ≈ marks estimated prompt lengths.</small></p>
<table id="cells"><thead><tr>${head.map((h, i) => `<th${i === 0 ? ' class="l"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function serverTable(cells: CellResult[]): string {
  const names = [...new Set(cells.flatMap((c) => c.server.map((s) => s.name)))];
  if (names.length === 0)
    return '<p><small>No server-side readings (run with <code>--prometheus URL</code> to sample GPU, KV cache, queue and gateway overhead).</small></p>';
  const rows = cells
    .filter((c) => !c.aborted)
    .map((c) => {
      const tds = names.map((n) => {
        const r = c.server.find((s) => s.name === n);
        if (!r) return '<td>–</td>';
        return r.absent ? `<td title="${esc(r.reason)}">absent</td>` : `<td>${f(r.mean, 2)} / ${f(r.max, 2)}</td>`;
      });
      return `<tr><td class="l">${esc(c.targetLabel)}</td><td>${c.contextTokens}</td><td>${c.concurrency}</td>${tds.join('')}</tr>`;
    });
  return `<h2>Server-side readings (mean / max during the cell)</h2>
<table id="server"><thead><tr><th class="l">settings</th><th>context</th><th>conc.</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}
