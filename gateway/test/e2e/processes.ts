// Real `toolgate serve` processes for the e2e suites: a config file in a temp dir, a free port,
// ready when /ready answers 200; stop() sends SIGTERM and waits.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, spawnToolgate, stopProcess, waitForHttp } from '../helpers/net.js';

export interface GatewayProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function serveProcess(
  dir: string,
  name: string,
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  readyTimeoutMs = 30_000,
): Promise<GatewayProcess> {
  const port = await freePort();
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ ...config, server: { host: '127.0.0.1', port, shutdownGraceMs: 200 } }));
  const child = spawnToolgate(['serve', '--config', file], env);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/ready`, readyTimeoutMs);
  } catch (err) {
    await stopProcess(child, 'SIGKILL');
    throw new Error(`${(err as Error).message}\n${child.output()}`);
  }
  return { url, output: () => child.output(), stop: () => stopProcess(child) };
}
