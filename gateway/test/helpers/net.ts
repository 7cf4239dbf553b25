// Loopback helpers shared by the integration tests.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Ports below the kernel's ephemeral range (ip_local_port_range), where it never puts a server
 * that listens on port 0 (the simulators, mock upstreams) nor the local end of a connection. A
 * port taken from the ephemeral range could be handed to one of those between this check and
 * the caller's own bind: a server of another suite then answered a test's readiness probe
 * (seen once in CI: the llama-server suite read a simulator's model card).
 */
function quietRange(): [number, number] | null {
  try {
    const lo = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return lo > 12_000 ? [Math.max(1024, lo - 12_000), lo - 1] : null;
  } catch {
    return null;
  }
}
const QUIET = quietRange();

/** Binds `port` on 127.0.0.1 and closes it: the port it got, or null when that one is taken. */
function tryPort(port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' && port !== 0 ? resolve(null) : reject(err),
    );
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr && typeof addr === 'object') {
        const got = addr.port;
        srv.close(() => resolve(got));
      } else reject(new Error('no port'));
    });
  });
}

/** A port that is free right now, outside the kernel's ephemeral range where it can be. */
export async function freePort(): Promise<number> {
  if (QUIET) {
    const [lo, hi] = QUIET;
    for (let i = 0; i < 64; i++) {
      const port = await tryPort(lo + Math.floor(Math.random() * (hi - lo + 1)));
      if (port !== null) return port;
    }
  }
  return (await tryPort(0))!;
}

/** Polls `url` until it answers with `status` (default 200) or the deadline passes. */
export async function waitForHttp(url: string, timeoutMs = 20_000, status = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${url}: ${String(last)}`);
}

/**
 * Workers for every `toolgate serve` the tests start: TOOLGATE_TEST_WORKERS (default 1), so that
 * `TOOLGATE_TEST_WORKERS=2 npx vitest run` runs the same suites against the cluster mode.
 */
export const TEST_WORKERS = process.env.TOOLGATE_TEST_WORKERS ?? '1';

/** `serve` arguments with `--workers TEST_WORKERS` unless the caller chose. */
export function withTestWorkers(args: string[]): string[] {
  return args[0] === 'serve' && !args.includes('--workers') ? [...args, '--workers', TEST_WORKERS] : args;
}

/** Runs `toolgate <args>` from source (tsx) as a child process; output is collected for assertions. */
export function spawnToolgate(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: () => string } {
  return spawnCollecting(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'gateway/src/cli/main.ts'), ...withTestWorkers(args)],
    env,
  );
}

/** The built `toolgate` bin (`npm run build` → dist/), which is what users run. */
export const BUILT_BIN = path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js');

/** Runs the built `toolgate <args>` (dist/) as a child process; throws when it has not been built. */
export function spawnBuiltToolgate(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: () => string } {
  if (!existsSync(BUILT_BIN)) throw new Error(`${BUILT_BIN} is missing: run \`npm run build\` (make test does)`);
  return spawnCollecting(process.execPath, [BUILT_BIN, ...args], env);
}

/** Spawns a command with stdout+stderr collected for assertions and error messages. */
export function spawnCollecting(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: () => string } {
  const child = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

/** Stops a child process and waits for it to exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Request handler that forwards a request to `target` (an http:// base URL) over keep-alive and relays the answer. */
export function forwardTo(target: string): (req: IncomingMessage, res: ServerResponse) => void {
  const up = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return (req, res) => {
    const out = httpRequest(
      { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers, agent },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    // A client that goes away cancels the forwarded request too, as a real proxy does.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  };
}
