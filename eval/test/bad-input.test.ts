// Bad input gives clear errors and keeps whatever was already answered.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEval } from '../src/run/runner.js';
import { ensureBuilt, runBin } from './helpers/built-bin.js';
import { ADD_TOOL, answerAdd, idOf, writeAddDataset } from './helpers/datasets.js';
import { startScriptedEndpoint, type ScriptedEndpoint } from './helpers/scripted-endpoint.js';

beforeAll(ensureBuilt, 600_000);
const open: ScriptedEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

/** `toolgate eval ARGV` through the built bin, as users run it. */
async function cli(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runBin(['eval', ...argv]);
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'eval-bad-'));

describe('bad input', () => {
  it('unreachable endpoint: stops early with a clear error, keeps the run folder', async () => {
    const dir = tmp();
    writeAddDataset(join(dir, 'd.jsonl'), 30);
    const port = await closedPort();
    const out = join(dir, 'run');
    const r = await cli([
      '--endpoint',
      `http://127.0.0.1:${port}/v1`,
      '--model',
      'm',
      '--dataset',
      join(dir, 'd.jsonl'),
      '--out',
      out,
      '--retries',
      '0',
      '--concurrency',
      '2',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`endpoint http://127.0.0.1:${port}/v1 unreachable`));
    expect(r.stderr).toMatch(/partial results kept/);
    const raw = readFileSync(join(out, 'raw.jsonl'), 'utf8').trim().split('\n');
    expect(raw.length).toBeLessThan(30); // it gave up instead of trying every item
    expect(JSON.parse(raw[0]!)).toMatchObject({
      status: 'error',
      error: { type: 'connection_error', code: 'ECONNREFUSED' },
    });
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
      aborted: string;
      unsettled: number;
    };
    expect(metrics.aborted).toMatch(/unreachable/);
    expect(metrics.unsettled).toBe(30);
  });

  it('unknown dataset names and missing files are usage errors (exit 2)', async () => {
    const out = join(tmp(), 'run');
    const a = await cli([
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--dataset',
      'bfcl:no_such_category',
      '--out',
      out,
    ]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/unknown BFCL category 'no_such_category' \(known: simple_python, multiple/);
    const b = await cli([
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--model',
      'm',
      '--dataset',
      '/nonexistent/x.jsonl',
      '--out',
      out,
    ]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/unknown dataset '\/nonexistent\/x.jsonl': not a file, and not bfcl:<category>/);
    const c = await cli(['--model', 'm', '--dataset', 'bfcl:simple_python', '--out', out]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--endpoint is required/);
    const d = await cli(['--endpoint', 'not a url', '--model', 'm', '--dataset', 'bfcl:simple_python', '--out', out]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/is not a URL/);
    expect(existsSync(join(out, 'raw.jsonl'))).toBe(false); // nothing was started
  });

  it('malformed dataset lines are reported by line number; the valid lines still run', async () => {
    const dir = tmp();
    const good = (i: number) =>
      JSON.stringify({
        id: `q${i}`,
        messages: [{ role: 'user', content: `q${i}: add ${i} and 1` }],
        tools: [ADD_TOOL],
        expected_calls: [{ name: 'add', arguments: { a: i, b: 1 } }],
      });
    writeFileSync(
      join(dir, 'd.jsonl'),
      [
        good(0),
        '{"messages": [',
        JSON.stringify({ messages: [{ role: 'user', content: 'x' }], tools: [] }),
        good(1),
        '[1,2]',
        JSON.stringify({ id: 'q0', messages: [{ role: 'user', content: 'dup' }], expected_calls: [] }),
      ].join('\n'),
    );
    const ep = await startScriptedEndpoint((req) => answerAdd(String(req.messages[0]!.content)));
    open.push(ep);
    const out = join(dir, 'run');
    const r = await cli(['--endpoint', ep.url, '--model', 'm', '--dataset', join(dir, 'd.jsonl'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/d\.jsonl:2: not valid JSON/);
    expect(r.stderr).toMatch(/d\.jsonl:3: 'expected_calls' must be an array/);
    expect(r.stderr).toMatch(/d\.jsonl:5: each line must be a JSON object/);
    expect(r.stderr).toMatch(/d\.jsonl:6: duplicate id 'q0'/);
    expect(ep.requests.map((q) => idOf(q.messages[0]!.content)).sort()).toEqual(['q0', 'q1']);
    const errs = readFileSync(join(out, 'dataset-errors.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number });
    expect(errs.map((e) => e.line)).toEqual([2, 3, 5, 6]);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
      overall: { answered: number; semanticMatch: { value: number } };
    };
    expect(metrics.overall.answered).toBe(2);
    expect(metrics.overall.semanticMatch.value).toBe(1);
  });

  it('an endpoint that dies mid-run leaves partial results that a re-run completes', async () => {
    const dir = tmp();
    const dataset = join(dir, 'd.jsonl');
    writeAddDataset(dataset, 12);
    const ep: ScriptedEndpoint = await startScriptedEndpoint((req, n) => {
      if (n === 5) ep.dropAll(); // answers this one, then drops every later connection
      return answerAdd(String(req.messages[0]!.content));
    });
    open.push(ep);
    const out = join(dir, 'run');
    const first = await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset,
      out,
      concurrency: 1,
      temperature: 0,
      timeoutMs: 5000,
      retries: 1,
    });
    expect(first.metrics.overall.answered).toBe(5);
    expect(first.unsettled).toBe(7);
    expect(first.aborted).toBeNull(); // it had answered before, so this is not "unreachable"
    const summary = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(summary).toMatch(/7 item\(s\) not answered/);

    const healthy = await startScriptedEndpoint((req) => answerAdd(String(req.messages[0]!.content)));
    open.push(healthy);
    const second = await runEval({
      endpoint: healthy.url,
      model: 'm',
      dataset,
      out,
      concurrency: 3,
      temperature: 0,
      timeoutMs: 5000,
      retries: 0,
    });
    expect(healthy.requests).toHaveLength(7);
    expect(second.metrics.overall.answered).toBe(12);
    expect(second.unsettled).toBe(0);
  });

  it('a 400 from the endpoint is recorded as rejected and not re-sent; resuming with another model is refused', async () => {
    const dir = tmp();
    const dataset = join(dir, 'd.jsonl');
    writeAddDataset(dataset, 3);
    const ep = await startScriptedEndpoint((req) =>
      idOf(req.messages[0]!.content) === 'q1'
        ? {
            status: 400,
            body: {
              error: { message: 'bad tools', type: 'invalid_request_error', param: 'tools', code: 'invalid_tools' },
            },
          }
        : answerAdd(String(req.messages[0]!.content)),
    );
    open.push(ep);
    const out = join(dir, 'run');
    const r = await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset,
      out,
      concurrency: 1,
      temperature: 0,
      timeoutMs: 5000,
      retries: 2,
    });
    expect(ep.requests).toHaveLength(3); // no retries of a 400
    expect(r.metrics.status).toEqual({ ok: 2, rejected: 1 });
    await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset,
      out,
      concurrency: 1,
      temperature: 0,
      timeoutMs: 5000,
      retries: 2,
    });
    expect(ep.requests).toHaveLength(3);
    const raw = readFileSync(join(out, 'raw.jsonl'), 'utf8');
    expect(raw).toMatch(/"code":"invalid_tools","http_status":400/);

    const other = await cli(['--endpoint', ep.url, '--model', 'other', '--dataset', dataset, '--out', out]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds a run of model 'm'/);
  });
});
