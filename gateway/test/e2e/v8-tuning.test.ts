// The V8 settings `toolgate serve` runs with (cli/v8-tuning.ts), on the built bin: allocation-site
// tracking must be off before the serve command's modules load. V8 reports its pretenuring
// bookkeeping under --trace-pretenuring(-statistics); loading the serve module makes it report
// when tracking is on (the control), and the bin's `serve` must make it say nothing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtBin } from '../helpers/built-bin.js';

const TRACE = ['--trace-pretenuring-statistics', '--trace-pretenuring'];

function run(args: string[]): { code: number | null; lines: number } {
  const r = spawnSync(process.execPath, [...TRACE, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, lines: r.stdout.split('\n').filter((l) => l.includes('pretenuring:')).length };
}

describe('toolgate serve: V8 tuning', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await builtBin();
  }, 300_000);

  it('the control: loading the serve module in a plain process, V8 tracks allocation sites', () => {
    const serveModule = pathToFileURL(path.join(path.dirname(bin), 'serve.js')).href;
    const r = run(['--input-type=module', '-e', `await import(${JSON.stringify(serveModule)});`]);
    expect(r.code).toBe(0);
    expect(r.lines).toBeGreaterThan(0);
  });

  it('the bin turns allocation-site tracking off before it loads the serve command', () => {
    const r = run([bin, 'serve', '--help']);
    expect(r.code).toBe(0);
    expect(r.lines).toBe(0);
  });
});
