// npm run bench:peers — Toolgate side by side with its peers, in one run: the same POST (one tool
// / streamed in 16 chunks / thirty tools) through vllm-router, Toolgate (checking off, and on),
// Portkey and LiteLLM, all in front of one fast mock upstream, driven by wrk. Every target is
// measured in every round, rounds rotate the order, and the medians are reported with ratios to
// vllm-router measured in the same run. With two or more CPUs the load side (wrk + mock) is
// pinned apart from the target (see bench/lib/procs.ts); `direct` (wrk → mock) is the ceiling
// of the load side, and a target within 30% of it is flagged as possibly limited by it. Besides
// req/s and latency, each run records the CPU time the target's processes spent per request.
// Results: bench/results/peers.json, and the table in docs/loadtest.md (its generated block).
// Env: PEERS_DURATION (s per run, 5), PEERS_ROUNDS (3), PEERS_CONNECTIONS (32), PEERS_WARMUP (s, 10),
//      PEERS_TARGETS / PEERS_SCENARIOS (comma lists; default all), PEERS_PIN (auto|off).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT } from '../gateway/test/helpers/net.js';
import { cpuLayout, startMock, startServer, waitReady, type Server } from './lib/procs.js';
import { errorCount, runWrk, type WrkResult } from './lib/wrk.js';
import { groupCpuSeconds } from './lib/proc-stats.js';
import { requestBody, SCENARIOS, type Scenario } from './peers/requests.js';
import { defineTargets, TARGETS, type Target, type TargetName } from './peers/targets.js';
import { GOALS, meetsGoal } from './lib/peers-table.js';
import { writeDocs } from '../docs/build.js';

const DURATION = Number(process.env.PEERS_DURATION ?? 5);
const ROUNDS = Number(process.env.PEERS_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.PEERS_CONNECTIONS ?? 32);
// Each target is driven this long before its first measured run. Node's JIT needs it: a fresh
// gateway at these rates spends ~2× the CPU per request in its first 5 s as from 10 s on
// (measured 1,147 µs then 530–765 µs per 5 s window); a production gateway is warm.
const WARMUP = Number(process.env.PEERS_WARMUP ?? 10);
const list = <T extends string>(env: string | undefined, all: readonly T[]): T[] =>
  env ? (env.split(',').map((s) => s.trim()) as T[]).filter((s) => all.includes(s)) : [...all];
const WANT_TARGETS = list<TargetName>(process.env.PEERS_TARGETS, TARGETS);
const WANT_SCENARIOS = list<Scenario>(process.env.PEERS_SCENARIOS, SCENARIOS);
// direct (the ceiling) and vllm-router (the baseline) are always measured.
for (const t of ['direct', 'vllm-router'] as const) if (!WANT_TARGETS.includes(t)) WANT_TARGETS.unshift(t);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const log = (msg: string) => process.stderr.write(`[bench:peers] ${msg}\n`);

/** One measured run, with the CPU the target's processes spent per request (µs). */
type Run = WrkResult & { cpuUsPerRequest: number };

interface Cell {
  rounds: Run[];
  failure: string | null;
}

async function main() {
  const layout = cpuLayout(process.env.PEERS_PIN !== 'off');
  const workDir = mkdtempSync(path.join(tmpdir(), 'toolgate-peers-'));
  log(
    `CPU layout: ${layout.pinned ? `load side (wrk + mock) on ${layout.load}, targets on ${layout.target}` : 'not pinned'}; logs in ${workDir}`,
  );
  const ports: Record<string, number> = {};
  for (const k of ['mock', 'router', 'routerMetrics', 'toolgate', 'portkey', 'litellm']) ports[k] = await freePort();
  const mockUrl = `http://127.0.0.1:${ports.mock}`;
  const targets = defineTargets(ports, mockUrl, workDir).filter((t) => WANT_TARGETS.includes(t.name));

  const servers = new Map<string, Server>();
  const unavailable = new Map<string, string>();
  const stopAll = async () => Promise.all([...servers.values()].map((s) => s.stop()));
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  const loadBefore = loadavg();
  try {
    const mock = await startMock(layout, ports.mock!, workDir);
    servers.set('mock', mock);
    // Start every target's server (in parallel: LiteLLM alone takes most of a minute).
    await Promise.all(
      targets.map(async (t) => {
        const spec = t.server;
        if (!spec || servers.has(spec.key) || unavailable.has(spec.key)) return;
        if (spec.missing) {
          unavailable.set(spec.key, spec.missing);
          return;
        }
        const s = startServer(spec.key, spec.cmd, spec.args, {
          cpus: layout.target,
          env: spec.env,
          cwd: REPO_ROOT,
          log: path.join(workDir, `${spec.key}.log`),
        });
        servers.set(spec.key, s);
        try {
          await waitReady(s, `http://127.0.0.1:${t.port}${spec.readyPath}`, spec.startTimeoutMs, spec.readyHeaders);
          log(`${spec.key} ready`);
        } catch (err) {
          unavailable.set(spec.key, (err as Error).message.split('\n')[0]!);
          await s.stop();
          servers.delete(spec.key);
        }
      }),
    );

    const cells = new Map<string, Cell>();
    const cellOf = (t: Target, s: Scenario) => {
      const k = `${s}/${t.name}`;
      if (!cells.has(k))
        cells.set(k, {
          rounds: [],
          failure: t.server && unavailable.has(t.server.key) ? `not started: ${unavailable.get(t.server.key)}` : null,
        });
      return cells.get(k)!;
    };
    const groupOf = (t: Target) => servers.get(t.server ? t.server.key : 'mock')!.child.pid!;
    const measure = async (t: Target, s: Scenario, durationS: number): Promise<Run> => {
      const cpu0 = groupCpuSeconds(groupOf(t));
      const r = await wrk(t, s, durationS);
      return { ...r, cpuUsPerRequest: ((groupCpuSeconds(groupOf(t)) - cpu0) * 1e6) / Math.max(1, r.requests) };
    };
    const wrk = (t: Target, s: Scenario, durationS: number) =>
      runWrk({
        url: `http://127.0.0.1:${t.port}/v1/chat/completions`,
        body: requestBody(s),
        headers: t.headers,
        connections: CONNECTIONS,
        threads: layout.loadCount,
        durationS,
        cpus: layout.load,
      });

    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of WANT_SCENARIOS) {
        // Rotate the order each round so that no target always runs first or last.
        const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
        for (const t of order) {
          const cell = cellOf(t, scenario);
          if (cell.failure) continue;
          try {
            if (round === 0 && WARMUP > 0) await measure(t, scenario, WARMUP);
            const r = await measure(t, scenario, DURATION);
            cell.rounds.push(r);
            log(
              `round ${round + 1}/${ROUNDS} ${scenario} ${t.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, ${r.cpuUsPerRequest.toFixed(0)} µs CPU/request${errorCount(r) ? `, ${errorCount(r)} errors` : ''}`,
            );
            if (r.requests === 0) cell.failure = `no request completed within ${DURATION} s (wrk timeout 10 s)`;
            else if (errorCount(r) > 0.01 * r.requests)
              cell.failure = `${errorCount(r)} errors in ${r.requests} requests (${JSON.stringify(r.errors)})`;
          } catch (err) {
            cell.failure = (err as Error).message.split('\n')[0]!;
          }
        }
      }
    }
    const loadAfter = loadavg();

    const results: Record<string, Record<string, unknown>> = {};
    for (const scenario of WANT_SCENARIOS) {
      const med = new Map<TargetName, { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number }>();
      for (const t of targets) {
        const c = cellOf(t, scenario);
        if (!c.failure && c.rounds.length > 0) {
          med.set(t.name, {
            rps: median(c.rounds.map((r) => r.rps)),
            p50Ms: median(c.rounds.map((r) => r.latencyMs.p50)),
            p99Ms: median(c.rounds.map((r) => r.latencyMs.p99)),
            cpuUsPerRequest: median(c.rounds.map((r) => r.cpuUsPerRequest)),
          });
        }
      }
      const base = med.get('vllm-router');
      const ceiling = med.get('direct');
      results[scenario] = Object.fromEntries(
        targets.map((t) => {
          const c = cellOf(t, scenario);
          const m = med.get(t.name);
          return [
            t.name,
            {
              description: t.description,
              status: m ? 'ok' : 'failed',
              ...(c.failure ? { failure: c.failure } : {}),
              ...(m
                ? {
                    median: m,
                    vsVllmRouter: base
                      ? {
                          rps: m.rps / base.rps,
                          p99: m.p99Ms / base.p99Ms,
                          cpuPerRequest: m.cpuUsPerRequest / base.cpuUsPerRequest,
                        }
                      : null,
                    // How far the load side is from its own ceiling while serving this target.
                    loadSideHeadroom: ceiling && t.name !== 'direct' ? ceiling.rps / m.rps : null,
                    possiblyLoadSideBound: ceiling && t.name !== 'direct' ? ceiling.rps / m.rps < 1.3 : false,
                  }
                : {}),
              rounds: c.rounds.map((r) => ({
                rps: r.rps,
                p50Ms: r.latencyMs.p50,
                p90Ms: r.latencyMs.p90,
                p99Ms: r.latencyMs.p99,
                cpuUsPerRequest: r.cpuUsPerRequest,
                requests: r.requests,
                errors: r.errors,
              })),
            },
          ];
        }),
      );
    }
    const goals = GOALS.map((g) => {
      const cell = results[g.scenario]?.[g.target] as
        { vsVllmRouter?: { rps: number; p99: number } | null } | undefined;
      const value = cell?.vsVllmRouter ? cell.vsVllmRouter[g.metric] : null;
      return { ...g, value, pass: value === null ? null : meetsGoal(g, value) };
    });
    const out = {
      benchmark: 'peers',
      date: new Date().toISOString(),
      machine: {
        cpus: layout.loadCount + (layout.pinned ? layout.targetCount : 0),
        node: process.version,
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
        layout,
      },
      settings: {
        durationS: DURATION,
        rounds: ROUNDS,
        connections: CONNECTIONS,
        warmupS: WARMUP,
        wrkThreads: layout.loadCount,
        toolgateWorkers: layout.targetCount,
      },
      note: "Medians over rounds; ratios are against vllm-router in the same run. cpuUsPerRequest: CPU time of all the target's processes per request (robust to other load on the machine). loadSideHeadroom = direct req/s ÷ target req/s: near 1 means the mock + wrk, not the target, set the pace.",
      goals,
      results,
    };
    const dir = path.join(REPO_ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'peers.json'), JSON.stringify(out, null, 2) + '\n');
    const pages = writeDocs();
    log(`wrote bench/results/peers.json${pages.length ? ` and ${pages.join(', ')}` : ''}`);
    for (const g of goals)
      log(
        `goal ${g.scenario} ${g.target} ${g.metric} ${g.metric === 'rps' ? '≥' : '≤'} ${g.bound}× vllm-router: ${g.value === null ? 'n/a' : g.value.toFixed(2)} ${g.pass === null ? '' : g.pass ? 'PASS' : 'FAIL'}`,
      );
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:peers failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
