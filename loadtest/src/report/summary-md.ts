// summary.md: what was run, the recommendation with its rule, and the per-context best cells.
import type { RunResults } from '../runner/types.js';
import type { Recommendation } from './recommend.js';

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');

export function renderSummaryMarkdown(results: RunResults, rec: Recommendation): string {
  const c = results.config;
  const lines: string[] = [];
  lines.push(`# Load test: ${c.model}`, '');
  lines.push(
    `${results.cells.filter((x) => !x.aborted).length} of ${results.cells.length} cells ran · ` +
      `${c.requestsPerCell !== null ? `${c.requestsPerCell} requests` : `${c.durationS} s`} per cell after ${c.warmupRequests < 0 ? 'one warm-up request per concurrency slot' : `${c.warmupRequests} warm-up`} · ` +
      `max_tokens ${c.maxTokens} (ignore_eos) · ` +
      (c.requestRate === Infinity ? 'closed loop' : `open loop at ${c.requestRate} req/s, burstiness ${c.burstiness}`) +
      ` · tools ${c.tools ? 'on' : 'off'} · started ${results.startedAt}`,
    '',
  );
  lines.push(`## Recommendation (P95 TTFT target ${rec.ttftP95TargetMs} ms)`, '');
  if (rec.bestMeasured) {
    const t = rec.targets.find((x) => x.label === rec.bestMeasured);
    const s = t?.settings;
    lines.push(
      `**Measured best settings: \`${rec.bestMeasured}\`**` +
        (s?.maxNumSeqs !== undefined ? ` — max_num_seqs ${s.maxNumSeqs}` : '') +
        (s?.maxNumBatchedTokens !== undefined ? `, max_num_batched_tokens ${s.maxNumBatchedTokens}` : '') +
        ` (best eligible throughput summed over context lengths: ${f(t?.score ?? 0, 0)} tok/s).`,
      '',
    );
  }
  for (const t of rec.targets) {
    const head = rec.targets.length > 1 ? `\`${t.label}\`: ` : '';
    if (t.maxNumSeqs === null) lines.push(`- ${head}no recommendation — no cell met the target.`);
    else
      lines.push(
        `- ${head}**max_num_seqs = ${t.maxNumSeqs}** per pod, **max_num_batched_tokens = ${t.maxNumBatchedTokens}**`,
      );
    for (const n of t.notes) lines.push(`  - ${n}`);
  }
  lines.push('', `Rule: ${rec.rule}`, '');
  lines.push('## Best cell per context length', '');
  lines.push('| settings | context | best concurrency | output tok/s | TTFT P95 ms |', '|---|---:|---:|---:|---:|');
  for (const t of rec.targets) {
    for (const p of t.perContext) {
      lines.push(
        p.best
          ? `| ${t.label} | ${p.contextTokens} | ${p.best.concurrency} | ${f(p.best.outputThroughput, 0)} | ${f(p.best.ttftP95Ms)} |`
          : `| ${t.label} | ${p.contextTokens} | none meets target | – | – |`,
      );
    }
  }
  if (results.problems.length) {
    lines.push('', '## Problems', '');
    for (const p of results.problems) lines.push(`- ${p}`);
  }
  lines.push('');
  return lines.join('\n');
}
