// npm run bench:steps — what each performance commit bought, measured in one run. The gateway
// is built at the base commit and after each `perf:` (or `perf(scope):`) commit since (each build cached in
// .bench-builds/<sha>), every build serves the peers mock side by side, and wrk drives them in
// interleaved rounds. The figure that matters is the gateway's CPU time per request (robust to
// other load on the machine); req/s and p99 are recorded too. Gains are ratios to the previous
// step and to the base. Output: bench/results/steps.json.
// Env: STEPS_BASE (commit; default: where this branch left main), STEPS_DURATION (s, 4), STEPS_WARMUP (s, 10),
//      STEPS_ROUNDS (3), STEPS_CASES (comma list), PEERS_CONNECTIONS (32), PEERS_PIN (auto|off),
//      STEPS_WORKERS (serve --workers, 1; the CPU figure is the primary's and every worker's together),
//      STEPS_UPSTREAMS (mock upstreams, 1; two or more make the prefix policy's bounded walk, and so
//      the cluster primary's placement, part of every request), STEPS_OUT (results file, steps.json),
//      STEPS_ENDS (1: the base and the last step only).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT } from '../gateway/test/helpers/net.js';
import { cpuLayout, startMock, startServer, waitReady, type Server } from './lib/procs.js';
import { groupCpuSeconds } from './lib/proc-stats.js';
import { runWrk } from './lib/wrk.js';
import { GATEWAY_CASES, requestBody } from './peers/requests.js';

const DURATION = Number(process.env.STEPS_DURATION ?? 4);
const WARMUP = Number(process.env.STEPS_WARMUP ?? 10);
const ROUNDS = Number(process.env.STEPS_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.PEERS_CONNECTIONS ?? 32);
const WORKERS = Number(process.env.STEPS_WORKERS ?? 1);
const UPSTREAMS = Number(process.env.STEPS_UPSTREAMS ?? 1);
const OUT = process.env.STEPS_OUT ?? 'steps.json';
const CASES = GATEWAY_CASES.filter(
  (c) => !process.env.STEPS_CASES || process.env.STEPS_CASES.split(',').includes(c.name),
);

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const log = (msg: string) => process.stderr.write(`[bench:steps] ${msg}\n`);

interface Step {
  commit: string;
  label: string;
}

function steps(): Step[] {
  const base = process.env.STEPS_BASE ?? git('merge-base', 'HEAD', 'main');
  const list: Step[] = [
    { commit: git('rev-parse', base), label: `base: ${git('log', '-1', '--format=%s', base).slice(0, 80)}` },
  ];
  for (const line of git('log', '--reverse', '--format=%H %s', `${base}..HEAD`).split('\n').filter(Boolean)) {
    const [commit, ...subject] = line.split(' ');
    const s = subject.join(' ');
    // `perf:` or, with a conventional-commit scope, `perf(admission):`.
    if (/^perf(\([^)]*\))?:/.test(s)) list.push({ commit: commit!, label: s.slice(0, 100) });
  }
  // STEPS_ENDS=1: the base and the last step only (fewer servers side by side, less noise).
  return process.env.STEPS_ENDS === '1' && list.length > 2 ? [list[0]!, list.at(-1)!] : list;
}

const MAIN = 'dist/gateway/src/cli/main.js';

/** A checkout of `commit` with its dist/ built, once, in .bench-builds/<sha>. */
function build(commit: string): string {
  const dir = path.join(REPO_ROOT, '.bench-builds', commit);
  if (existsSync(path.join(dir, MAIN))) return dir;
  log(`building ${commit.slice(0, 10)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'bash',
    [
      '-c',
      `git archive ${commit} gateway/src loadtest/src eval/src tsconfig.json tsconfig.build.json package.json | tar -x -C '${dir}'`,
    ],
    { cwd: REPO_ROOT },
  );
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: dir,
    stdio: 'inherit',
  });
  return dir;
}

async function main() {
  const list = steps();
  const dirs = list.map((s) => build(s.commit));
  const layout = cpuLayout(process.env.PEERS_PIN !== 'off');
  const work = mkdtempSync(path.join(tmpdir(), 'toolgate-steps-'));
  const servers: Server[] = [];
  try {
    const upstreams: string[] = [];
    for (let u = 0; u < UPSTREAMS; u++) {
      const mockPort = await freePort();
      servers.push(await startMock(layout, mockPort, work, `mock${u}`));
      upstreams.push('--upstream', `http://127.0.0.1:${mockPort}`);
    }
    const gateways: Array<{ server: Server; port: number }> = [];
    for (const [i, dir] of dirs.entries()) {
      const port = await freePort();
      const server = startServer(
        `step${i}`,
        process.execPath,
        [
          path.join(dir, MAIN),
          'serve',
          '--workers',
          String(WORKERS),
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          ...upstreams,
        ],
        {
          cpus: layout.target,
          cwd: dir,
          env: { LOG_LEVEL: 'warn' },
          log: path.join(work, `step${i}.log`),
        },
      );
      servers.push(server);
      gateways.push({ server, port });
    }
    for (const g of gateways) await waitReady(g.server, `http://127.0.0.1:${g.port}/ready`, 120_000);

    const runs = list.map(() => new Map<string, Array<{ rps: number; p99Ms: number; cpuUsPerRequest: number }>>());
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CASES) {
        for (let k = 0; k < gateways.length; k++) {
          const i = (k + round) % gateways.length; // rotate the order each round
          const g = gateways[i]!;
          const run = {
            url: `http://127.0.0.1:${g.port}/v1/chat/completions`,
            body: requestBody(c.scenario),
            headers: c.headers,
            connections: CONNECTIONS,
            threads: layout.loadCount,
            cpus: layout.load,
          };
          if (round === 0) await runWrk({ ...run, durationS: WARMUP }); // JIT warm-up (see peers.ts)
          const cpu0 = groupCpuSeconds(g.server.child.pid!);
          const r = await runWrk({ ...run, durationS: DURATION });
          const cpuUsPerRequest = ((groupCpuSeconds(g.server.child.pid!) - cpu0) * 1e6) / Math.max(1, r.requests);
          const list2 = runs[i]!.get(c.name) ?? [];
          list2.push({ rps: r.rps, p99Ms: r.latencyMs.p99, cpuUsPerRequest });
          runs[i]!.set(c.name, list2);
          log(
            `round ${round + 1} ${c.name} step ${i}: ${r.rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(0)} µs CPU/request`,
          );
        }
      }
    }
    const med = runs.map((m) =>
      Object.fromEntries(
        [...m].map(([k, v]) => [
          k,
          {
            rps: median(v.map((x) => x.rps)),
            p99Ms: median(v.map((x) => x.p99Ms)),
            cpuUsPerRequest: median(v.map((x) => x.cpuUsPerRequest)),
          },
        ]),
      ),
    );
    const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);
    const out = {
      benchmark: 'steps',
      date: new Date().toISOString(),
      machine: { layout, node: process.version },
      settings: {
        durationS: DURATION,
        rounds: ROUNDS,
        connections: CONNECTIONS,
        workers: WORKERS,
        upstreams: UPSTREAMS,
      },
      note: `Each step is the gateway built at that commit (--workers ${WORKERS}, ${UPSTREAMS} upstream(s)). gain = CPU per request before ÷ after (above 1 is better), vs the previous step and vs the base.`,
      steps: list.map((s, i) => ({
        ...s,
        median: med[i],
        cpuGainVsPrevious:
          i === 0
            ? null
            : Object.fromEntries(
                CASES.map((c) => [
                  c.name,
                  ratio(med[i - 1]![c.name]?.cpuUsPerRequest, med[i]![c.name]?.cpuUsPerRequest),
                ]),
              ),
        cpuGainVsBase:
          i === 0
            ? null
            : Object.fromEntries(
                CASES.map((c) => [c.name, ratio(med[0]![c.name]?.cpuUsPerRequest, med[i]![c.name]?.cpuUsPerRequest)]),
              ),
      })),
    };
    mkdirSync(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(REPO_ROOT, 'bench/results', OUT), JSON.stringify(out, null, 2) + '\n');
    for (const s of out.steps)
      log(
        `${s.label}: ${CASES.map((c) => `${c.name} ${s.median![c.name]?.cpuUsPerRequest.toFixed(0)} µs${s.cpuGainVsPrevious ? ` (×${s.cpuGainVsPrevious[c.name]})` : ''}`).join(', ')}`,
      );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:steps failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
