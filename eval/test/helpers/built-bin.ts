// The `toolgate` bin as users run it: the build in dist/ (`npm run build`, as `make start` and the
// package's "bin" use it), not the sources through tsx. Built on demand when dist/ is missing or
// older than a source file, once across parallel test workers (a lock directory).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = join(ROOT, 'dist/gateway/src/cli/main.js');
const SOURCES = ['gateway/src', 'loadtest/src', 'eval/src'].map((d) => join(ROOT, d));
const LOCK = join(ROOT, 'node_modules/.toolgate-build.lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const stale = (): boolean =>
  !existsSync(BIN) ||
  Math.max(...SOURCES.map(newestSource), statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs) > statSync(BIN).mtimeMs;

/** Makes sure dist/ holds a build of the current sources (runs `npm run build` when it does not). */
export async function ensureBuilt(): Promise<void> {
  for (;;) {
    if (!stale()) return;
    try {
      mkdirSync(LOCK);
    } catch {
      await new Promise((r) => setTimeout(r, 500)); // another worker is building
      continue;
    }
    try {
      if (stale()) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
      return;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/gateway/src/cli/main.js ARGS` as a child process. */
export function spawnBin(args: string[], env: Record<string, string> = {}, cwd = ROOT): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the built bin to completion and collects its output. */
export function runBin(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<BinResult> {
  const child = spawnBin(args, env, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => child.once('close', (code) => r({ code, stdout, stderr })));
}
