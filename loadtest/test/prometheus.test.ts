// Server-side readings through a real Prometheus (Debian's, installed by `make test-deps`)
// scraping a real simulator pod: present series are summarised, missing ones (no GPU exporter,
// no gateway here) are reported as absent rather than failing the cell.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopProcess, waitForHttp } from '../../gateway/test/helpers/net.js';
import { startSim } from '../src/sim/index.js';
import { runCell } from '../src/runner/cell-runner.js';
import { buildPromptPool } from '../src/runner/prompt-pool.js';
import { queryPrometheus } from '../src/runner/prometheus.js';
import { estimateCounter } from '../src/runner/token-counter.js';
import type { ServerReading } from '../src/runner/types.js';

describe('Prometheus sampling', () => {
  let dir: string;
  let prom: ChildProcess;
  let promUrl: string;
  let sim: Awaited<ReturnType<typeof startSim>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-lt-prom-'));
    sim = await startSim({ pods: 1, port: 0, model: 'sim-model', seed: 5 });
    const target = new URL(sim.urls[0] as string).host;
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: sim\n    static_configs: [{ targets: ['${target}'] }]\n`,
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    await waitForHttp(`${promUrl}/-/ready`, 30_000);
    // Wait for the first successful scrape of the pod.
    for (let i = 0; i < 100; i++) {
      const r = await queryPrometheus(promUrl, 'up{job="sim"}');
      if (r.ok && r.value === 1) break;
      await new Promise((res) => setTimeout(res, 200));
    }
  });
  afterAll(async () => {
    if (prom) await stopProcess(prom);
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const reading = (rs: ServerReading[], name: string) => rs.find((r) => r.name === name);

  it('samples vLLM series during the cell and reports missing ones as absent', async () => {
    const pool = await buildPromptPool(1024, 2, estimateCounter, { seed: 1, tools: true });
    const run = await runCell({
      baseUrl: sim.urls[0] as string,
      model: 'sim-model',
      pool,
      concurrency: 4,
      requests: null,
      durationS: 3,
      warmupRequests: 0,
      maxTokens: 64,
      requestRate: Infinity,
      burstiness: 1,
      seed: 1,
      timeoutS: 30,
      goodput: {},
      prometheusUrl: promUrl,
      prometheusIntervalS: 0.5,
    });
    expect(run.metrics.failed).toBe(0);
    const kv = reading(run.server, 'kv_cache_usage_perc');
    expect(kv?.absent).toBe(false);
    if (kv && !kv.absent) {
      expect(kv.samples).toBeGreaterThanOrEqual(3);
      expect(kv.max).toBeGreaterThanOrEqual(0);
      expect(kv.max).toBeLessThanOrEqual(1);
    }
    const running = reading(run.server, 'requests_running');
    expect(running?.absent).toBe(false);
    if (running && !running.absent) expect(running.max).toBeGreaterThanOrEqual(1);
    expect(reading(run.server, 'requests_waiting')?.absent).toBe(false);
    for (const name of [
      'gpu_utilization_pct',
      'gpu_memory_used_mib',
      'gateway_overhead_p95_ms',
      'gateway_overhead_mean_ms',
    ]) {
      const r = reading(run.server, name);
      expect(r?.absent, name).toBe(true);
      if (r?.absent) expect(r.reason).toBe('no data for this series');
    }
  });

  it('an unreachable Prometheus marks every series absent and the cell still runs', async () => {
    const pool = await buildPromptPool(256, 1, estimateCounter, { seed: 1, tools: false });
    const dead = `http://127.0.0.1:${await freePort()}`;
    const run = await runCell({
      baseUrl: sim.urls[0] as string,
      model: 'sim-model',
      pool,
      concurrency: 1,
      requests: 2,
      durationS: null,
      warmupRequests: 0,
      maxTokens: 4,
      requestRate: Infinity,
      burstiness: 1,
      seed: 1,
      timeoutS: 30,
      goodput: {},
      prometheusUrl: dead,
      prometheusIntervalS: 0.5,
    });
    expect(run.metrics.completed).toBe(2);
    expect(run.server.length).toBeGreaterThan(0);
    for (const r of run.server) {
      expect(r.absent).toBe(true);
      if (r.absent) expect(r.reason).toMatch(/^query failed: /);
    }
  });
});
