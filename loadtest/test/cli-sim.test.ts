// `toolgate loadtest` end to end, as CI runs it: the tiny matrix (loadtest/matrices/ci-tiny.yaml)
// against real simulator pods and against `toolgate serve` (gateway + its own simulated pods),
// plus a target that lacks the requested model.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, spawnToolgate, stopProcess, waitForHttp } from '../../gateway/test/helpers/net.js';
import { startSim } from '../src/sim/index.js';
import { runCli } from './helpers/run-cli.js';

const TINY = path.join(REPO_ROOT, 'loadtest/matrices/ci-tiny.yaml');

interface Json {
  config: { model: string };
  cells: Array<{
    concurrency: number;
    contextTokens: number;
    promptTokensMethod: string;
    aborted?: string;
    metrics: { completed: number; failed: number; totalOutputTokens: number; ttftMs: { p95: number } };
  }>;
  problems: string[];
  recommendation: { targets: Array<{ maxNumSeqs: number | null }> };
}

describe('toolgate loadtest — tiny matrix', () => {
  let dir: string;
  let sim: Awaited<ReturnType<typeof startSim>>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-lt-cli-'));
    sim = await startSim({ pods: 1, port: 0, model: 'sim-model', seed: 3 });
  });
  afterAll(async () => {
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('against a simulator pod: every cell runs, report and recommendation written', async () => {
    const out = path.join(dir, 'sim');
    const r = await runCli([
      '--target',
      `${sim.urls[0]}/v1`,
      '--matrix',
      TINY,
      '--out',
      out,
      '--goodput',
      'ttft:2000',
      'tpot:100',
    ]);
    expect(r.output).toContain(`report: ${out}/report.html`);
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as Json;
    expect(json.config.model).toBe('sim-model'); // picked from /v1/models, like vllm bench serve
    expect(json.cells.map((c) => [c.contextTokens, c.concurrency])).toEqual([
      [256, 1],
      [256, 4],
    ]);
    for (const c of json.cells) {
      expect(c.aborted).toBeUndefined();
      expect(c.promptTokensMethod).toBe('tokenize');
      expect(c.metrics.completed).toBe(8);
      expect(c.metrics.failed).toBe(0);
      expect(c.metrics.totalOutputTokens).toBe(8 * 8); // max_tokens 8, ignore_eos
    }
    expect(json.recommendation.targets[0]?.maxNumSeqs).toBeGreaterThanOrEqual(1);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(4);
  });

  it('a model the target lacks: clear error naming what it serves, exit 1, results kept', async () => {
    const out = path.join(dir, 'nomodel');
    const r = await runCli(['--target', sim.urls[0] as string, '--model', 'gpt-9', '--matrix', TINY, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.output).toContain(`model 'gpt-9' is not served by ${sim.urls[0]} (it serves: sim-model)`);
    const json = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as Json;
    expect(json.cells.every((c) => c.aborted?.includes("model 'gpt-9'"))).toBe(true);
  });

  it('against `toolgate serve` (the gateway in front of its simulated pods)', async () => {
    const port = await freePort();
    const gw = spawnToolgate(['serve', '--host', '127.0.0.1', '--port', String(port)]);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/ready`, 60_000);
      const out = path.join(dir, 'gateway');
      const r = await runCli(['--target', `http://127.0.0.1:${port}`, '--matrix', TINY, '--out', out]);
      expect(r.code, r.output).toBe(0);
      const json = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as Json;
      expect(json.cells).toHaveLength(2);
      for (const c of json.cells) {
        expect(c.metrics.completed).toBe(8);
        // The gateway has no /tokenize: lengths come from usage.prompt_tokens of probe requests.
        expect(['tokenize', 'usage']).toContain(c.promptTokensMethod);
      }
    } finally {
      await stopProcess(gw);
    }
  });
});
