// A throw-away redis-server per test: loopback only, a free port, no persistence (`--save ''
// --appendonly no`), its own temp dir. stop() then start() on the same port simulates an outage:
// stop({ save: true }) sends SHUTDOWN SAVE so the data survives the restart (the RDB in the temp
// dir is loaded at start), plain stop() is a SIGKILL. pause()/resume() freeze the server (a hung
// Redis: connections stay open, replies stop).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

export interface RedisServer {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(opts?: { save?: boolean }): Promise<void>;
  restart(opts?: { save?: boolean }): Promise<void>;
  pause(): void;
  resume(): void;
  /** Stops the server and removes its temp dir. */
  dispose(): Promise<void>;
  readonly running: boolean;
}

async function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    sock.setTimeout(2000, () => sock.destroy());
    sock.on('error', () => resolve(buf));
    sock.on('close', () => resolve(buf));
    sock.on('connect', () => sock.write(line + '\r\n'));
    sock.on('data', (d) => (buf += d.toString()));
  });
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  let child: ChildProcess | null = null;
  let log = '';
  const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-redis-'));
  const server: RedisServer = {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (server.running) return;
      log = '';
      child = spawn(
        'redis-server',
        [
          '--port',
          String(p),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--loglevel',
          'warning',
          '--dir',
          dir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (!server.running) throw new Error(`redis-server exited: ${log}`);
        if (await ping(p)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not answer on port ${p}: ${log}`);
    },
    async stop(opts: { save?: boolean } = {}) {
      const c = child;
      if (!c || !server.running) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGCONT'); // in case it was paused
      if (opts.save) await command(p, 'SHUTDOWN SAVE');
      else c.kill('SIGKILL');
      await exited;
      child = null;
    },
    async restart(opts: { save?: boolean } = {}) {
      await server.stop(opts);
      await server.start();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
