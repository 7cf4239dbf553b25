// make loadtest's handshake (issue 18 finding 11): the URL comes from the started gateway's own
// log, and a gateway process that died is an error even when something else answers /ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitGateway, listeningUrl } from '../src/runner/await-gateway.js';

const sleeper = (): ChildProcess => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
const logLine = (url: string) =>
  JSON.stringify({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'gateway listening',
    component: 'gateway',
    url,
  });

describe('awaitGateway', () => {
  let impostor: Server;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'await-gateway-'));
    impostor = createServer((_req, res) => res.writeHead(200).end('{}')); // answers /ready like a gateway would
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((r) => impostor.close(() => r())));

  it('reads the listening URL from the gateway log', () => {
    expect(
      listeningUrl(`{"msg":"starting"}\nnot json "gateway listening"\n${logLine('http://127.0.0.1:4321')}\n`),
    ).toBe('http://127.0.0.1:4321');
    expect(listeningUrl('{"msg":"gateway listening"}')).toBeNull();
  });

  it('returns the URL once the live gateway process is ready', async () => {
    const child = sleeper();
    try {
      const log = path.join(dir, 'ok.log');
      await writeFile(log, `${logLine(url)}\n`);
      await expect(awaitGateway(log, child.pid!, 10_000)).resolves.toBe(url);
    } finally {
      child.kill();
    }
  });

  it('fails when the gateway it started has exited, even though a server answers /ready', async () => {
    const dead = spawn(process.execPath, ['-e', 'process.exit(1)'], { stdio: 'ignore' });
    await new Promise((r) => dead.once('exit', r));
    const log = path.join(dir, 'dead.log');
    await writeFile(log, 'toolgate serve: cannot listen on 127.0.0.1:18080: the address is already in use\n');
    await expect(awaitGateway(log, dead.pid!, 10_000)).rejects.toThrow(/exited before it was ready/);
  });

  it('times out when the log never says where the gateway listens', async () => {
    const child = sleeper();
    try {
      const log = path.join(dir, 'silent.log');
      await writeFile(log, '');
      await expect(awaitGateway(log, child.pid!, 600)).rejects.toThrow(/not ready within 600 ms/);
    } finally {
      child.kill();
    }
  });
});
