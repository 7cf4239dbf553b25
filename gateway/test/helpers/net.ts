// Loopback helpers shared by the integration tests.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A port the OS says is free right now (bind :0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr && typeof addr === 'object') {
        const port = addr.port;
        srv.close(() => resolve(port));
      } else reject(new Error('no port'));
    });
  });
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
