// npm run bench:memory — the gateway's memory at idle and under 100k requests, to show it does
// not grow. `toolgate serve` (built dist/, default worker count) runs in front of the peers mock;
// after a warm-up, 100k requests cycle through the cases (checking off/on, streamed, thirty
// tools) with a fresh prompt each and a thousand tenants (system prompts), which fills every
// bounded cache (prefix index, header cache, validator cache) and then keeps replacing entries.
// RSS of every gateway process (from /proc) and the workers' heap (from /metrics) are sampled
// every 10k requests. Output: bench/results/memory.json.
// Env: MEMORY_REQUESTS (100000), MEMORY_CONCURRENCY (32), MEMORY_WORKERS (default: one per CPU).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { freePort, REPO_ROOT } from '../gateway/test/helpers/net.js';
import { cpuLayout, startMock, startServer, waitReady } from './lib/procs.js';
import { groupRss } from './lib/proc-stats.js';
import { GATEWAY_CASES, requestBody } from './peers/requests.js';

const REQUESTS = Number(process.env.MEMORY_REQUESTS ?? 100_000);
const CONCURRENCY = Number(process.env.MEMORY_CONCURRENCY ?? 32);
const SAMPLE_EVERY = Math.max(1, Math.floor(REQUESTS / 10));
const TENANTS = 1000;
const MB = 1024 * 1024;
const log = (msg: string) => process.stderr.write(`[bench:memory] ${msg}\n`);

/** Request i: case i mod 4, tenant i mod 1000, a user message seen once. */
function request(i: number): { body: string; headers: Record<string, string> } {
  const mod = (n: number) => ((i % n) + n) % n; // warm-up requests have negative i
  const c = GATEWAY_CASES[mod(GATEWAY_CASES.length)]!;
  const body = JSON.parse(requestBody(c.scenario)) as { messages: Array<{ role: string; content: string }> };
  body.messages[0]!.content = `You are the assistant of tenant ${mod(TENANTS)}. Use the tools when they help.`;
  body.messages[1]!.content = `Question ${i}: what is the weather in Paris right now?`;
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...c.headers } };
}

async function drive(url: string, from: number, to: number): Promise<number> {
  const pool = new Pool(url, { connections: CONCURRENCY });
  let next = from;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) {
        const { body, headers } = request(next++);
        try {
          const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
          await res.body.dump();
          if (res.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  await pool.close();
  return errors;
}

async function heapUsedBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^toolgate_process_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) : NaN;
}

async function main() {
  const layout = cpuLayout(process.env.PEERS_PIN !== 'off');
  const work = mkdtempSync(path.join(tmpdir(), 'toolgate-memory-'));
  const mockPort = await freePort();
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const mock = await startMock(layout, mockPort, work);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const workers = process.env.MEMORY_WORKERS ? ['--workers', process.env.MEMORY_WORKERS] : [];
  const gw = startServer(
    'toolgate',
    process.execPath,
    [
      path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js'),
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--upstream',
      mockUrl,
      ...workers,
    ],
    {
      cpus: layout.target,
      cwd: REPO_ROOT,
      env: { LOG_LEVEL: 'warn' },
      log: path.join(work, 'toolgate.log'),
    },
  );
  try {
    await waitReady(gw, `${url}/ready`, 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const sample = async (label: string, requests: number) => {
      const procs = groupRss(gw.child.pid!);
      const s = {
        label,
        requests,
        rssBytes: procs.reduce((a, p) => a + p.rssBytes, 0),
        processes: procs.length,
        perProcessRssBytes: procs.map((p) => p.rssBytes),
        heapUsedBytes: await heapUsedBytes(url),
      };
      log(
        `${label}: RSS ${(s.rssBytes / MB).toFixed(1)} MB over ${s.processes} processes, heap used ${(s.heapUsedBytes / MB).toFixed(1)} MB`,
      );
      return s;
    };
    const samples = [await sample('idle after start', 0)];
    let errors = await drive(url, -4000, 0); // warm-up: JIT, pools, caches
    samples.push(await sample('after warm-up (4k requests)', 0));
    const started = Date.now();
    for (let done = 0; done < REQUESTS; done += SAMPLE_EVERY) {
      errors += await drive(url, done, Math.min(REQUESTS, done + SAMPLE_EVERY));
      samples.push(
        await sample(
          `after ${Math.min(REQUESTS, done + SAMPLE_EVERY)} requests`,
          Math.min(REQUESTS, done + SAMPLE_EVERY),
        ),
      );
    }
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 5000));
    samples.push(await sample('idle 5 s later', REQUESTS));

    // Growth over the second half of the run, when every bounded cache is full.
    const half = samples.find((s) => s.requests >= REQUESTS / 2)!;
    const end = samples.at(-2)!;
    const growth = {
      rssBytes: end.rssBytes - half.rssBytes,
      heapUsedBytes: end.heapUsedBytes - half.heapUsedBytes,
      fromRequests: half.requests,
      toRequests: end.requests,
    };
    const allowedBytes = 32 * MB;
    const out = {
      benchmark: 'memory',
      date: new Date().toISOString(),
      machine: { node: process.version, layout },
      settings: {
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        tenants: TENANTS,
        workers: process.env.MEMORY_WORKERS ?? 'default (one per CPU)',
        durationS: seconds,
      },
      errors,
      note: "RSS summed over the gateway primary and workers (/proc); heap used is the workers' toolgate_process_nodejs_heap_size_used_bytes summed by /metrics. Growth is measured over the second half, when every bounded cache is full.",
      idleRssBytes: samples[0]!.rssBytes,
      rssAfterRequestsBytes: end.rssBytes,
      growthSecondHalf: growth,
      noGrowth: growth.rssBytes < allowedBytes && growth.heapUsedBytes < allowedBytes,
      allowedGrowthBytes: allowedBytes,
      samples,
    };
    mkdirSync(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(REPO_ROOT, 'bench/results/memory.json'), JSON.stringify(out, null, 2) + '\n');
    log(
      `idle ${(out.idleRssBytes / MB).toFixed(1)} MB, after ${REQUESTS} requests ${(out.rssAfterRequestsBytes / MB).toFixed(1)} MB; second-half growth RSS ${(growth.rssBytes / MB).toFixed(1)} MB, heap ${(growth.heapUsedBytes / MB).toFixed(1)} MB → ${out.noGrowth ? 'no growth' : 'GROWS'}; ${errors} errors`,
    );
    if (errors > 0) process.exitCode = 1;
  } finally {
    await gw.stop();
    await mock.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:memory failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
