// The blocks of the docs that are generated rather than written: references from the code that
// they describe (configuration keys from the config schema, metrics from the metrics catalogue)
// and figures from committed benchmark results. A page holds a block as
//   <!-- generated:NAME -->
//   …
//   <!-- /generated:NAME -->
// and `npm run docs` (docs/build.ts) rewrites what stands between the markers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configReference } from '../gateway/src/config/reference.js';
import { metricsReference } from '../gateway/src/telemetry/reference.js';
import { peersHeadline, peersTable } from '../bench/lib/peers-table.js';
import type { ModeResult, RealResults } from '../bench/lib/real-results.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The committed edge report (`make edge-report` writes it) without its own heading. */
function edgeReport(): string {
  const md = readFileSync(path.join(ROOT, 'bench/results/edge-report.md'), 'utf8');
  return md.replace(/^# .*\n+/, '').trim();
}

const pct = (x: number) => `${(x * 100).toFixed(1).replace(/\.0$/, '')} %`;

/** What a client receives for the malformed-output corpus, vLLM alone vs through Toolgate (`npm run bench:real`). */
function realRecovery(): string {
  const r = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/real.json'), 'utf8')) as RealResults;
  const row = (label: string, m: ModeResult) =>
    `| ${label} | ${m.recovered}/${m.recoverable} (${pct(m.recovery)}) | ${m.exact}/${m.cases} | ${m.emptied} |`;
  const find = (prefix: string) => {
    const m = r.modes.find((x) => x.mode.startsWith(prefix));
    if (!m) throw new Error(`bench/results/real.json has no mode starting '${prefix}'`);
    return m;
  };
  const gateway = r.modes.filter((m) => m.mode.startsWith('gateway'));
  const worst = gateway.reduce((a, b) => (b.recovered < a.recovered ? b : a));
  return [
    `The tool-call corpus's ${r.corpusCases} raw model outputs, written by simulated pods that parse as vLLM 0.33 does, as a client receives them (\`npm run bench:real\`, policy \`${r.policy}\`: no re-ask):`,
    '',
    '| path | valid or repairable calls that reach the client intact | answers exactly as expected | answers emptied (no text, no calls) |',
    '| --- | ---: | ---: | ---: |',
    row('vLLM alone (hermes parser), whole', find('vLLM alone (hermes), whole')),
    row('vLLM alone (hermes parser), streamed', find('vLLM alone (hermes), streamed')),
    row(
      `through Toolgate (${gateway.length} modes: pods with or without a tool parser, streamed or whole${r.gatewayModesEqual ? ', all equal' : '; the worst shown'})`,
      worst,
    ),
  ].join('\n');
}

interface RoutingRow {
  policy: string;
  prefixCacheHitRate: number;
  ttftMs: { p50: number; p95: number };
}

/** The README's routing figure (`npm run bench:routing`): bounded prefix affinity against round-robin. */
function routingHeadline(): string {
  const r = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/routing.json'), 'utf8')) as {
    results: Record<string, RoutingRow[]>;
  };
  const parts = Object.entries(r.results).map(([workload, rows]) => {
    const by = (p: string) => {
      const row = rows.find((x) => x.policy === p);
      if (!row) throw new Error(`bench/results/routing.json: no ${p} row for ${workload}`);
      return row;
    };
    const [prefix, rr] = [by('prefix_bounded'), by('round_robin')];
    return `${workload}: ${pct(prefix.prefixCacheHitRate)} prefix-cache hits against ${pct(rr.prefixCacheHitRate)} (${(prefix.prefixCacheHitRate / rr.prefixCacheHitRate).toFixed(2)}×), p95 TTFT ${Math.round(prefix.ttftMs.p95)} ms against ${Math.round(rr.ttftMs.p95)} ms`;
  });
  return `**Routing** by prefix affinity with bounded loads, against round-robin on four simulated prefix-caching pods — ${parts.join('; ')} ([benchmark](docs/routing.md#benchmark)).`;
}

/** The README's overhead figure (`npm run bench:overhead`): latency the gateway adds at 1,000 req/s. */
function overheadHeadline(): string {
  type Side = {
    openLoop: { rate: number; addedP50Ms: number; addedP99Ms: number };
    closedLoop?: { gatewayRps: number };
  };
  const r = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/overhead.json'), 'utf8')) as {
    machine: { cpus: number };
    results: { nonStream: Side; stream: Side };
  };
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  const { nonStream, stream } = r.results;
  // Near the most the machine sustains, added latency is queueing, not the gateway's own work:
  // say how close the rate was (the closed loop of the same run measures the most).
  const share = (s: Side) => (s.closedLoop ? s.openLoop.rate / s.closedLoop.gatewayRps : 0);
  const load = (s: Side, how: string) =>
    s.closedLoop
      ? ` (${Math.round(100 * share(s))} % of the ${Math.round(s.closedLoop.gatewayRps).toLocaleString('en-US')} req/s it sustains ${how})`
      : '';
  const queueing = Math.max(share(nonStream), share(stream)) >= 0.7 ? ': near saturation the tail is queueing' : '';
  return `**Overhead**: the latency the gateway adds at ${nonStream.openLoop.rate.toLocaleString('en-US')} req/s, p50 / p99, is ${ms(nonStream.openLoop.addedP50Ms)} / ${ms(nonStream.openLoop.addedP99Ms)} whole${load(nonStream, 'whole')} and ${ms(stream.openLoop.addedP50Ms)} / ${ms(stream.openLoop.addedP99Ms)} streamed${load(stream, 'streamed')}, on ${r.machine.cpus} CPUs shared by the load generator, the gateway and the pod${queueing} ([overhead](docs/gateway.md#measured-overhead), with the gateway's own measure of its work).`;
}

/** Every generated block by name. */
export const GENERATORS: Record<string, () => string> = {
  'config-reference': configReference,
  'metrics-reference': metricsReference,
  'peers-table': () => peersTable(),
  'edge-report': edgeReport,
  'real-recovery': realRecovery,
  'routing-headline': routingHeadline,
  'overhead-headline': overheadHeadline,
  'peers-headline': () => peersHeadline(),
};
