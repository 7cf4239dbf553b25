// The built `toolgate` bin (dist/, what `npm run build` makes and users run), for tests that must
// exercise it rather than the sources. Builds once when dist/ is missing or older than any source
// file; a lock directory keeps parallel test workers from building at the same time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT, TEST_WORKERS, waitForHttp } from './net.js';

export const BIN = path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js');
const SOURCES = ['gateway/src', 'loadtest/src', 'eval/src'].map((d) => path.join(REPO_ROOT, d));
const LOCK = path.join(REPO_ROOT, 'node_modules/.toolgate-build-lock');
const STALE_LOCK_MS = 10 * 60_000;

function newestSource(): number {
  let newest = 0;
  const stack = [...SOURCES];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(BIN).mtimeMs;
  } catch {
    return 0;
  }
}

const fresh = () => builtAt() >= newestSource();

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      /* someone else removed it */
    }
    return false;
  }
}

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build failed (${code}):\n${out}`)),
    );
  });
}

/** Path of the built bin, building it first when it is missing or stale. */
export async function builtBin(): Promise<string> {
  for (;;) {
    if (fresh()) return BIN;
    if (tryLock()) {
      try {
        if (!fresh()) await build();
        return BIN;
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface BuiltGateway {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `toolgate serve` from dist/ with `config` (a free port is filled in); ready when /ready answers 200. */
export async function serveBuilt(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<BuiltGateway> {
  const bin = await builtBin();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-built-'));
  const file = path.join(dir, 'config.json');
  // One worker unless the test or TOOLGATE_TEST_WORKERS says otherwise (as spawnToolgate).
  const server = { host: '127.0.0.1', workers: Number(TEST_WORKERS), ...(config.server as object | undefined), port };
  writeFileSync(file, JSON.stringify({ ...config, server }));
  const child = spawn(process.execPath, [bin, 'serve', '--config', file], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    rmSync(dir, { recursive: true, force: true });
    return code;
  };
  try {
    await waitForHttp(`${url}/ready`, 60_000);
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return { url, child, output: () => out, stop };
}

/** Runs `toolgate sim` from dist/ on ephemeral ports; resolves with the pods' URLs. */
export async function simBuilt(args: string[] = []): Promise<{ urls: string[]; stop(): Promise<void> }> {
  const bin = await builtBin();
  const podsAt = args.indexOf('--pods');
  const pods = podsAt >= 0 ? Number(args[podsAt + 1]) || 1 : 1;
  const child = spawn(process.execPath, [bin, 'sim', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let out = '';
  const urls = await new Promise<string[]>((resolve, reject) => {
    const found: string[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/"url":"(http:\/\/[^"]+)"/g)) if (!found.includes(m[1]!)) found.push(m[1]!);
      if (found.length >= pods) resolve(found);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`toolgate sim exited (${code}):\n${out}`)));
  });
  return {
    urls,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
