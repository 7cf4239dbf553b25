// npm run bench:profile — where one gateway process spends its CPU at saturation. For each case
// (policy off / checked × one tool / streamed / thirty tools) a fresh `toolgate serve --workers 1`
// (the built dist/, as users run it) runs under `node --cpu-prof` in front of the peers mock,
// wrk drives it for PROFILE_SECONDS, and the profile (start-up trimmed off) is summarized by
// area — answer path, request handling, routing, metrics, HTTP — and drawn as a flame graph.
// Output: bench/results/profiles/<case>.json (summary) and <case>.svg; raw .cpuprofile files
// stay in a temp dir (printed) because they are large.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT } from '../gateway/test/helpers/net.js';
import { cpuLayout, startMock, startServer, waitReady } from './lib/procs.js';
import { runWrk } from './lib/wrk.js';
import { groupCpuSeconds } from './lib/proc-stats.js';
import { flameSvg, summarize, trimProfile, type CpuProfile } from './lib/cpuprofile.js';
import { GATEWAY_CASES, requestBody } from './peers/requests.js';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.PEERS_CONNECTIONS ?? 32);

async function main() {
  const only = process.env.PROFILE_CASES?.split(',');
  const layout = cpuLayout(process.env.PEERS_PIN !== 'off');
  const work = mkdtempSync(path.join(tmpdir(), 'toolgate-profile-'));
  const outDir = path.join(REPO_ROOT, 'bench/results/profiles');
  mkdirSync(outDir, { recursive: true });
  const mockPort = await freePort();
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const mock = await startMock(layout, mockPort, work);
  try {
    for (const c of GATEWAY_CASES.filter((c) => !only || only.includes(c.name))) {
      const port = await freePort();
      const profDir = path.join(work, c.name);
      const spawnedAt = Date.now();
      const gw = startServer(
        'toolgate',
        process.execPath,
        [
          '--cpu-prof',
          `--cpu-prof-dir=${profDir}`,
          path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js'),
          'serve',
          '--workers',
          '1',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--upstream',
          mockUrl,
        ],
        { cpus: layout.target, cwd: REPO_ROOT, env: { LOG_LEVEL: 'warn' }, log: path.join(work, `${c.name}.log`) },
      );
      await waitReady(gw, `http://127.0.0.1:${port}/ready`, 60_000);
      const run = {
        url: `http://127.0.0.1:${port}/v1/chat/completions`,
        body: requestBody(c.scenario),
        headers: c.headers,
        connections: CONNECTIONS,
        threads: layout.loadCount,
        cpus: layout.load,
      };
      await runWrk({ ...run, durationS: Number(process.env.PROFILE_WARMUP ?? 10) }); // warm-up (JIT), trimmed off below
      const loadFrom = Date.now() - spawnedAt;
      const cpu0 = groupCpuSeconds(gw.child.pid!);
      const r = await runWrk({ ...run, durationS: SECONDS });
      const cpuUsPerRequest = ((groupCpuSeconds(gw.child.pid!) - cpu0) * 1e6) / Math.max(1, r.requests);
      const loadTo = Date.now() - spawnedAt;
      await gw.stop();
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile written for ${c.name}:\n${gw.output()}`);
      const profile = trimProfile(
        JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as CpuProfile,
        loadFrom,
        loadTo,
      );
      const summary = summarize(profile);
      writeFileSync(
        path.join(outDir, `${c.name}.json`),
        JSON.stringify(
          {
            case: c.name,
            date: new Date().toISOString(),
            wrk: { rps: r.rps, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99, requests: r.requests },
            cpuUsPerRequest,
            ...summary,
          },
          null,
          2,
        ) + '\n',
      );
      writeFileSync(
        path.join(outDir, `${c.name}.svg`),
        flameSvg(profile, `${c.name}: ${r.rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(0)} µs CPU per request`),
      );
      process.stderr.write(
        `[bench:profile] ${c.name}: ${r.rps.toFixed(0)} req/s, ${cpuUsPerRequest.toFixed(0)} µs of CPU per request; top areas: ${summary.areas
          .slice(0, 6)
          .map((a) => `${a.area} ${a.selfPctOfBusy}%`)
          .join(', ')}\n`,
      );
    }
    process.stderr.write(
      `[bench:profile] summaries and flame graphs in bench/results/profiles/; raw profiles in ${work}\n`,
    );
  } finally {
    await mock.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:profile failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
