// The peers table of docs/loadtest.md (a generated block), from bench/results/peers.json (written by
// `npm run bench:peers`), and the goals that run is checked against (issue 15).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results/peers.json');

export interface Goal {
  scenario: string;
  target: string;
  metric: 'rps' | 'p99';
  /** Ratio to vllm-router: at least this for rps, at most this for p99. */
  bound: number;
}

export const GOALS: Goal[] = ['tool1', 'stream16'].flatMap((scenario) => [
  { scenario, target: 'toolgate-checked', metric: 'rps' as const, bound: 0.75 },
  { scenario, target: 'toolgate-off', metric: 'rps' as const, bound: 1.0 },
  { scenario, target: 'toolgate-checked', metric: 'p99' as const, bound: 2.0 },
  { scenario, target: 'toolgate-off', metric: 'p99' as const, bound: 2.0 },
]);

/** Whether a ratio to vllm-router meets its goal: at least the bound for req/s, at most for p99. */
export const meetsGoal = (g: Goal, value: number): boolean =>
  g.metric === 'rps' ? value >= g.bound : value <= g.bound;

interface CellJson {
  status: string;
  failure?: string;
  median?: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest?: number };
  vsVllmRouter?: { rps: number; p99: number; cpuPerRequest?: number } | null;
  possiblyLoadSideBound?: boolean;
}
interface PeersJson {
  date: string;
  machine: {
    cpus: number;
    layout: { pinned: boolean; load: string | null; target: string | null };
    loadavgBefore: number[];
  };
  settings: { durationS: number; rounds: number; connections: number; toolgateWorkers: number };
  results: Record<string, Record<string, CellJson>>;
}

const SCENARIO_TITLES: Record<string, string> = {
  tool1: 'one tool, non-stream',
  stream16: 'one tool, streamed in 16 chunks',
  tools30: 'thirty tools, non-stream',
};

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function peersTable(file = RESULTS): string {
  if (!existsSync(file)) return '_Not measured yet: run `npm run bench:peers`._';
  const r = JSON.parse(readFileSync(file, 'utf8')) as PeersJson;
  const layout = r.machine.layout.pinned
    ? `wrk and the mock pinned to CPU ${r.machine.layout.load}, each target to CPU ${r.machine.layout.target}`
    : 'nothing pinned';
  const out = [
    `${r.date.slice(0, 10)}, ${r.machine.cpus} CPUs (${layout}; load average ${r.machine.loadavgBefore[0]!.toFixed(1)} at the start), wrk -c${r.settings.connections}, ${r.settings.rounds} rounds of ${r.settings.durationS} s, medians; Toolgate with ${r.settings.toolgateWorkers} worker(s). CPU/request: CPU time of the target's processes per request.`,
  ];
  for (const [scenario, cells] of Object.entries(r.results)) {
    out.push(
      '',
      `**${SCENARIO_TITLES[scenario] ?? scenario}**`,
      '',
      '| target | req/s | p50 | p99 | CPU/request | req/s ÷ vllm-router | p99 ÷ vllm-router |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const [name, c] of Object.entries(cells)) {
      if (!c.median) {
        out.push(`| ${name} | failed${c.failure ? `: ${c.failure.slice(0, 80).replace(/\|/g, '/')}` : ''} | | | | | |`);
        continue;
      }
      const m = c.median;
      const v = name === 'vllm-router' || name === 'direct' ? null : c.vsVllmRouter;
      out.push(
        `| ${name}${c.possiblyLoadSideBound ? ' †' : ''} | ${fmt(m.rps)} | ${fmt(m.p50Ms, 1)} ms | ${fmt(m.p99Ms, 1)} ms | ${m.cpuUsPerRequest === undefined ? '' : `${fmt(m.cpuUsPerRequest)} µs`} | ${v ? `${fmt(v.rps, 2)}×` : ''} | ${v ? `${fmt(v.p99, 2)}×` : ''} |`,
      );
    }
  }
  out.push('', '† within 30% of `direct`: the load side (wrk + mock), not the target, may set the pace.');
  return out.join('\n');
}

/** The README's line: Toolgate's ratios to vllm-router in the last run, and which goals they meet. */
export function peersHeadline(file = RESULTS): string {
  if (!existsSync(file)) return '_Beside vllm-router: not measured yet (`npm run bench:peers`)._';
  const r = JSON.parse(readFileSync(file, 'utf8')) as PeersJson;
  let met = 0;
  let goals = 0;
  const ratio = (scenario: string, target: string, metric: 'rps' | 'p99'): string => {
    const v = r.results[scenario]?.[target]?.vsVllmRouter?.[metric];
    if (v === undefined || v === null) return '–';
    const goal = GOALS.find((g) => g.scenario === scenario && g.target === target && g.metric === metric);
    if (goal) {
      goals++;
      if (meetsGoal(goal, v)) met++;
    }
    return `${fmt(v, 2)}×`;
  };
  const part = (scenario: string, label: string) =>
    `${label} ${ratio(scenario, 'toolgate-checked', 'rps')} / ${ratio(scenario, 'toolgate-off', 'rps')} req/s, p99 ${ratio(scenario, 'toolgate-checked', 'p99')} / ${ratio(scenario, 'toolgate-off', 'p99')}`;
  const parts = `${part('tool1', 'one tool:')}; ${part('stream16', 'streamed:')}`;
  return `**Beside vllm-router** (Rust, same mock pod, one CPU each, ${r.date.slice(0, 10)}), Toolgate with every call checked / with policy \`off\` — ${parts}. Goals (≥ 0.75× / ≥ 1× req/s, p99 ≤ 2×): ${met} of ${goals} met ([the peers table](docs/loadtest.md#side-by-side-with-peers), with LiteLLM and Portkey).`;
}
