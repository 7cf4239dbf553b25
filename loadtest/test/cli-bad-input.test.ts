// `toolgate loadtest` as a real child process, fed bad input: every case must end with a clear
// message and an exit status, never a stack trace or a hang, and keep what it could write.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../gateway/test/helpers/net.js';
import { runCli } from './helpers/run-cli.js';

describe('toolgate loadtest — bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-lt-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an unreachable target: clear error, exit 1, results.json and report still written', async () => {
    const port = await freePort();
    const out = path.join(dir, 'unreachable');
    const r = await runCli([
      '--target',
      `http://127.0.0.1:${port}`,
      '--model',
      'm',
      '--out',
      out,
      '--concurrency',
      '1,2',
      '--context',
      '256',
      '--requests',
      '2',
    ]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(new RegExp(`target http://127.0.0.1:${port} is unreachable \\(ECONNREFUSED\\)`));
    expect(r.output).not.toMatch(/\n\s+at /); // no stack trace
    const json = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8'));
    expect(json.problems[0]).toMatch(/unreachable/);
    expect(json.cells).toHaveLength(2);
    expect(json.cells.every((c: { aborted?: string }) => /unreachable/.test(c.aborted ?? ''))).toBe(true);
    await expect(readFile(path.join(out, 'report.html'), 'utf8')).resolves.toMatch(/unreachable/);
  });

  it('a malformed matrix file: exit 2 naming the field, nothing run', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'concurrency: [1, -4]\ncontext: 256\n');
    const r = await runCli([
      '--target',
      'http://127.0.0.1:9',
      '--model',
      'm',
      '--matrix',
      file,
      '--out',
      path.join(dir, 'bad'),
    ]);
    expect(r.code).toBe(2);
    expect(r.output).toContain(`${file}: invalid matrix`);
    expect(r.output).toMatch(/concurrency\.1: must be >= 1/);
    expect(r.output).toMatch(/context: must be array/);
    await writeFile(file, 'concurrency: [1\n');
    const r2 = await runCli(['--target', 'http://127.0.0.1:9', '--matrix', file, '--out', path.join(dir, 'bad')]);
    expect(r2.code).toBe(2);
    expect(r2.output).toMatch(/not valid YAML\/JSON/);
  });

  it('bad flags: exit 2 with usage hint; --help exits 0', async () => {
    const r = await runCli(['--target', 'http://127.0.0.1:9', '--out', dir, '--burstiness', '0']);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/--burstiness must be > 0/);
    const r2 = await runCli(['--bogus']);
    expect(r2.code).toBe(2);
    expect(r2.output).toMatch(/Unknown option '--bogus'/);
    const r3 = await runCli(['--help']);
    expect(r3.code).toBe(0);
    expect(r3.output).toMatch(/--request-rate R/);
  });
});
