// Child processes for the side-by-side benchmarks: each server runs in its own process group
// (so a server that forks workers is stopped whole), optionally pinned to a CPU set with
// taskset, with its output in a log file for when it fails to start.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../gateway/test/helpers/net.js';

export interface CpuLayout {
  /** Whether processes are pinned at all. */
  pinned: boolean;
  /** CPU list (taskset syntax) for wrk and the mock upstream. */
  load: string | null;
  /** CPU list for the target under test. */
  target: string | null;
  loadCount: number;
  targetCount: number;
}

/**
 * Splits the machine: the load side (wrk + mock) gets a quarter of the CPUs (at least one), the
 * target the rest, so a target never competes with its own load generator. With one CPU, or
 * PEERS_PIN=off, nothing is pinned.
 */
export function cpuLayout(pin: boolean, n = availableParallelism()): CpuLayout {
  if (!pin || n < 2) return { pinned: false, load: null, target: null, loadCount: n, targetCount: n };
  const load = n <= 3 ? 1 : Math.ceil(n / 4);
  const list = (from: number, to: number) => (from === to ? String(from) : `${from}-${to}`);
  return { pinned: true, load: list(0, load - 1), target: list(load, n - 1), loadCount: load, targetCount: n - load };
}

export interface Server {
  name: string;
  child: ChildProcess;
  log: string;
  stop(): Promise<void>;
  output(): string;
}

export function startServer(
  name: string,
  cmd: string,
  args: string[],
  opts: { cpus: string | null; env?: NodeJS.ProcessEnv; cwd?: string; log: string },
): Server {
  const fd = openSync(opts.log, 'w');
  const [c, a] = opts.cpus ? ['taskset', ['-c', opts.cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(c, a, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    log: opts.log,
    output: () => {
      try {
        return readFileSync(opts.log, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const group = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          /* already gone */
        }
      };
      group('SIGTERM');
      const killer = setTimeout(() => group('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      // Workers the server forked may outlive it by a moment; make sure none is left.
      group('SIGKILL');
    },
  };
}

/** Polls `url` until it answers 2xx, the process exits, or the deadline passes. */
export async function waitReady(
  server: Server,
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      throw new Error(`${server.name} exited during start-up:\n${server.output().slice(-2000)}`);
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${server.name} not ready at ${url} after ${timeoutMs} ms:\n${server.output().slice(-2000)}`);
}

/** The benchmarks' mock upstream (bench/peers/mock-upstream.ts) on the load side's CPUs, ready. */
export async function startMock(layout: CpuLayout, port: number, logDir: string, name = 'mock'): Promise<Server> {
  const mock = startServer(
    name,
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'bench/peers/mock-upstream.ts'),
      '--port',
      String(port),
      '--workers',
      String(layout.loadCount),
    ],
    {
      cpus: layout.load,
      cwd: REPO_ROOT,
      log: path.join(logDir, `${name}.log`),
    },
  );
  try {
    await waitReady(mock, `http://127.0.0.1:${port}/health`, 60_000);
  } catch (err) {
    await mock.stop();
    throw err;
  }
  return mock;
}
