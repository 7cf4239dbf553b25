// Killing `toolgate eval` (the built bin) mid-run (SIGKILL, even mid-write) and running it again
// sends only what was not yet recorded: counted at the server.
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEval } from '../src/run/runner.js';
import { ensureBuilt, spawnBin } from './helpers/built-bin.js';
import { answerAdd, idOf, writeAddDataset } from './helpers/datasets.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './helpers/scripted-endpoint.js';

beforeAll(ensureBuilt, 600_000);
const open: ScriptedEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const recordedIds = (out: string): string[] =>
  readFileSync(join(out, 'raw.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        const r = JSON.parse(l) as { id: string; status: string };
        return r.status === 'ok' ? [r.id] : [];
      } catch {
        return [];
      }
    });

describe('resume', () => {
  it('re-sends nothing already answered after the CLI is killed mid-run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-resume-'));
    const dataset = join(dir, 'add.jsonl');
    const out = join(dir, 'run');
    const N = 40;
    writeAddDataset(dataset, N);

    const first = await startScriptedEndpoint((req) => answerAdd(String(req.messages[0]!.content)), { delayMs: 40 });
    open.push(first);
    const child = spawnBin([
      'eval',
      '--endpoint',
      first.url,
      '--model',
      'm',
      '--dataset',
      dataset,
      '--out',
      out,
      '--concurrency',
      '2',
    ]);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const t0 = Date.now();
    while (first.requests.length < 10 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(first.requests.length).toBeGreaterThanOrEqual(10);
    expect(first.requests.length).toBeLessThan(N);

    // A crash in the middle of a write leaves a torn last line; resume must cope with it.
    appendFileSync(join(out, 'raw.jsonl'), '{"id":"q39","status":"o');
    const recorded = new Set(recordedIds(out));
    expect(recorded.size).toBeGreaterThan(0);

    const second = await startScriptedEndpoint((req) => answerAdd(String(req.messages[0]!.content)));
    open.push(second);
    const r = await runEval({
      endpoint: second.url,
      model: 'm',
      dataset,
      out,
      concurrency: 4,
      temperature: 0,
      timeoutMs: 5000,
      retries: 0,
    });
    const resent = second.requests.map((q) => idOf(q.messages[0]!.content));
    expect(resent.filter((id) => recorded.has(id))).toEqual([]);
    expect(resent).toHaveLength(N - recorded.size);
    expect(new Set(resent).size).toBe(resent.length);
    expect(r.skipped).toBe(recorded.size);
    expect(r.metrics.overall.answered).toBe(N);
    expect(r.metrics.overall.semanticMatch.value).toBe(1);

    // A third run has nothing left to send.
    const third = await startScriptedEndpoint((req) => answerAdd(String(req.messages[0]!.content)));
    open.push(third);
    const again = await runEval({
      endpoint: third.url,
      model: 'm',
      dataset,
      out,
      concurrency: 4,
      temperature: 0,
      timeoutMs: 5000,
      retries: 0,
    });
    expect(third.requests).toHaveLength(0);
    expect(again.metrics.overall.answered).toBe(N);
  });
});
