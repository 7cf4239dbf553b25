// BFCL through the built `toolgate` bin, as a user runs it: the bin finds the project's Python
// from dist/ (the bug where it looked for dist/.venv), and one `toolgate eval` command runs BFCL
// single-turn and multi-turn categories against a simulated vLLM pod directly and through
// the gateway in front of it — resumable, with progress — then compares the two (the gateway's lift).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopProcess, waitForHttp } from '../../gateway/test/helpers/net.js';
import type { Comparison } from '../src/compare/compare-report.js';
import type { LeaderboardView } from '../src/bfcl/leaderboard.js';
import { ensureBuilt, ROOT, runBin, spawnBin } from './helpers/built-bin.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './helpers/scripted-endpoint.js';

const MODEL = 'Qwen/Qwen3-0.6B';
// Malformed tool calls of kinds the gateway repairs (and vLLM's hermes parser does not).
const FAULTS = { rates: { python_literals: 0.25, markdown_fence: 0.2, missing_close_tag: 0.2, trailing_comma: 0.15 } };

let dir: string;
const children: ChildProcess[] = [];
const endpoints: ScriptedEndpoint[] = [];
beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'eval-cli-bfcl-'));
}, 600_000);
afterAll(async () => {
  await Promise.all(children.map((c) => stopProcess(c)));
  await Promise.all(endpoints.map((e) => e.close()));
});

async function start(args: string[], url: string): Promise<void> {
  const child = spawnBin(args, { LOG_LEVEL: 'warn' });
  children.push(child);
  await waitForHttp(url, 60_000);
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('toolgate eval on BFCL through the built bin', () => {
  it('finds the project Python from dist/, from any working directory, or as configured', async () => {
    const ep = await startScriptedEndpoint(() => ({ content: 'No function applies.' }));
    endpoints.push(ep);
    const out = join(dir, 'simple');
    const args = [
      'eval',
      '--endpoint',
      ep.url,
      '--model',
      MODEL,
      '--dataset',
      'bfcl:simple_python,irrelevance',
      '--limit-per-category',
      '2',
      '--out',
      out,
    ];
    // From another working directory: nothing may depend on where the user stands.
    const r = await runBin(args, {}, tmpdir());
    expect(r.stderr).not.toMatch(/dist\/\.venv|not installed/);
    expect(r.code).toBe(0);
    expect(ep.requests).toHaveLength(4);
    const m = readJson(join(out, 'metrics.json')) as {
      byCategory: Record<string, { bfclAccuracy: { k: number; n: number } }>;
    };
    expect(m.byCategory['irrelevance']!.bfclAccuracy).toMatchObject({ k: 2, n: 2 });
    expect(m.byCategory['simple_python']!.bfclAccuracy).toMatchObject({ k: 0, n: 2 });

    const missing = await runBin([...args.slice(0, -1), join(dir, 'simple-2')], {
      TOOLGATE_PYTHON: '/nonexistent/python3',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /Python interpreter \/nonexistent\/python3 does not exist \(from \$TOOLGATE_PYTHON\)/,
    );
    const flag = await runBin(
      [...args.slice(0, -1), join(dir, 'simple-3'), '--python', join(ROOT, '.venv/bin/python')],
      { TOOLGATE_PYTHON: '/nonexistent/python3' },
    );
    expect(flag.code).toBe(0);
  }, 120_000);

  it('refuses categories it cannot run, saying why', async () => {
    const r = await runBin([
      'eval',
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--dataset',
      'bfcl:multi_turn_base,web_search_base',
      '--out',
      join(dir, 'ws'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BFCL category 'web_search_base' cannot run here: needs the internet/);
  });

  it('runs multi-turn against a pod and through the gateway in one command, resumably', async () => {
    const simPort = await freePort();
    const faults = join(dir, 'faults.json');
    writeFileSync(faults, JSON.stringify(FAULTS));
    await start(
      ['sim', '--port', String(simPort), '--faults', faults, '--seed', '3', '--ttft-ms', '1', '--itl-ms', '0'],
      `http://127.0.0.1:${simPort}/health`,
    );
    const gwPort = await freePort();
    await start(
      ['serve', '--port', String(gwPort), '--host', '127.0.0.1', '--upstream', `http://127.0.0.1:${simPort}`],
      `http://127.0.0.1:${gwPort}/health`,
    );

    const out = join(dir, 'lift');
    const args = [
      'eval',
      '--endpoint',
      `http://127.0.0.1:${simPort}/v1`,
      '--endpoint',
      `http://127.0.0.1:${gwPort}/v1`,
      '--name',
      'pod',
      '--name',
      'gateway',
      '--model',
      MODEL,
      '--dataset',
      'bfcl:multi_turn_base,simple_python',
      '--limit-per-category',
      '2',
      '--out',
      out,
      '--concurrency',
      '4',
      '--progress-interval-ms',
      '200',
      '--extra-body',
      '{"chat_template_kwargs":{"enable_thinking":false}}',
    ];
    // Killed mid-run, then run again: what was recorded is kept, the rest is sent.
    const child = spawnBin(args);
    const raw = join(out, 'pod/raw.jsonl');
    const t0 = Date.now();
    while (!(existsSync(raw) && readFileSync(raw, 'utf8').split('\n').length > 2) && Date.now() - t0 < 120_000)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const before = readFileSync(raw, 'utf8').trim().split('\n').length;
    expect(before).toBeGreaterThanOrEqual(2);

    const r = await runBin(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/eval pod: \d+\/\d+ \(\d+%\)/); // progress, per run
    expect(r.stderr).toMatch(/eval gateway: \d+\/\d+ \(\d+%\)/);
    expect(r.stdout).toMatch(/pod: sent \d+, resumed past [1-9]\d*/);
    expect(r.stdout).toMatch(/compare: pod vs gateway — vs pod: BFCL overall [+−]\d+\.\d pp/);

    for (const run of ['pod', 'gateway']) {
      // Each item has exactly one answer: nothing settled before the kill was sent again.
      const records = readFileSync(join(out, run, 'raw.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; status: string; turns?: unknown[][] });
      const ok = records.filter((x) => x.status === 'ok').map((x) => x.id);
      expect(new Set(ok).size).toBe(ok.length);
      const conversations = records.filter((x) => x.turns);
      expect(conversations).toHaveLength(2);

      const metrics = readJson(join(out, run, 'metrics.json')) as {
        bfclLeaderboard: LeaderboardView;
        conversations: { steps: number; toolCalls: number };
      };
      const board = metrics.bfclLeaderboard;
      expect(board.categories['multi_turn_base']).toMatchObject({ status: 'partial', total: 2, size: 200 });
      expect(board.categories['web_search_base']!.status).toBe('not_run');
      expect(board.categories['web_search_base']!.reason).toMatch(/internet/);
      expect(board.sections.map((s) => [s.key, s.weight])).toEqual([
        ['non_live', 10],
        ['live', 10],
        ['irrelevance', 10],
        ['multi_turn', 30],
        ['agentic', 40],
      ]);
      expect(board.complete).toBe(false);
      // simple_python is a third of "simple", a quarter of non-live; one of four multi-turn categories.
      expect(board.maxReachable).toBeCloseTo((10 * (1 / 3) * 0.25 + 30 * 0.25) / 100, 10);
      expect(metrics.conversations.toolCalls).toBeGreaterThan(0);
      const html = readFileSync(join(out, run, 'report.html'), 'utf8');
      expect(html).toContain('<h2>BFCL v4 leaderboard view</h2>');
      expect(html).toMatch(/<td>BFCL overall<\/td><td><\/td><td>[\d.]+% \(incomplete\)<\/td>/);
      expect(readFileSync(join(out, run, 'summary.md'), 'utf8')).toMatch(/`web_search_base`: needs the internet/);
    }

    // The comparison: the same BFCL rows for both runs, and the gateway's repairs as a number.
    const cmp = readJson(join(out, 'compare/compare.json')) as Comparison;
    expect(cmp.runs.map((x) => x.name)).toEqual(['pod', 'gateway']);
    expect(cmp.bfcl.map((x) => x.key)).toEqual(
      expect.arrayContaining(['overall', 'section:multi_turn', 'category:multi_turn_base', 'category:simple_python']),
    );
    const executable = cmp.metrics.find((m) => m.key === 'executableRate')!;
    expect(executable.deltaVsFirst[1]).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'compare/compare.md'), 'utf8')).toMatch(
      /\| BFCL overall \| {2}\| [\d.]+% \(incomplete\) \| [\d.]+% \(incomplete\) \([+−][\d.]+ pp\) \|/,
    );
  }, 600_000);
});
