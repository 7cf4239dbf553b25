// llama.cpp's llama-server as a real child process, for the edge tests and `make edge-report`:
// where `make edge-deps` leaves the binary and the tiny GGUF files, start-up on a free port (ready
// when /health answers 200, which it does only once the model is loaded), and its resident memory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, REPO_ROOT, spawnCollecting, stopProcess, waitForHttp } from './net.js';

/** Where mk/edge.mk exports the tiny model (tiny-qwen3-{f16,Q8_0,Q4_K_M}.gguf). */
export const EDGE_GGUF_DIR = path.join(REPO_ROOT, '.tools/edge/gguf');

/** TOOLGATE_LLAMA_SERVER, else the build of build_llama_cpp.sh under .tools/ (newest version first). */
export function findLlamaServer(): string {
  const fromEnv = process.env.TOOLGATE_LLAMA_SERVER;
  if (fromEnv) return fromEnv;
  const tools = path.join(REPO_ROOT, '.tools');
  const builds = existsSync(tools)
    ? readdirSync(tools)
        .filter((d) => d.startsWith('llama.cpp-'))
        .sort()
        .reverse()
    : [];
  for (const b of builds) {
    const bin = path.join(tools, b, 'build/bin/llama-server');
    if (existsSync(bin)) return bin;
  }
  throw new Error('llama-server is not built: run `make edge-deps` (make test does)');
}

export function tinyGguf(quant: 'f16' | 'Q8_0' | 'Q4_K_M'): string {
  const file = path.join(EDGE_GGUF_DIR, `tiny-qwen3-${quant}.gguf`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`make edge-deps\` (make test does)`);
  return file;
}

export interface LlamaServer {
  url: string;
  pid: number;
  /** From spawn until /health answered 200 (the model is loaded). */
  loadMs: number;
  output(): string;
  /** Resident and peak resident memory from /proc (bytes); null off Linux. */
  memory(): { rss: number; peak: number } | null;
  stop(): Promise<void>;
}

export interface LlamaServerOptions {
  model: string;
  alias: string;
  bin?: string;
  ctx?: number;
  threads?: number;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

/** Starts llama-server with the OpenAI API, Jinja chat templates (tool calls) and /metrics. */
export async function startLlamaServer(opts: LlamaServerOptions): Promise<LlamaServer> {
  const port = await freePort();
  const args = [
    '-m',
    opts.model,
    '--alias',
    opts.alias,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--jinja',
    '--metrics',
    '--no-webui',
    '-c',
    String(opts.ctx ?? 4096),
    '-np',
    '1',
    '-t',
    String(opts.threads ?? 2),
    ...(opts.extraArgs ?? []),
  ];
  const started = performance.now();
  const child = spawnCollecting(opts.bin ?? findLlamaServer(), args);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`llama-server exited (${code ?? signal}) before it was ready:\n${child.output().slice(-4000)}`)),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForHttp(`${url}/health`, opts.readyTimeoutMs ?? 120_000), exited]);
  } catch (err) {
    await stopProcess(child, 'SIGKILL');
    throw err;
  }
  const loadMs = performance.now() - started;
  const pid = child.pid!;
  return {
    url,
    pid,
    loadMs,
    output: () => child.output(),
    memory: () => readMemory(pid),
    stop: () => stopProcess(child),
  };
}

/** VmRSS and VmHWM of a process, in bytes. */
export function readMemory(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const rss = kb('VmRSS');
    const peak = kb('VmHWM');
    return Number.isFinite(rss) && Number.isFinite(peak) ? { rss: rss * 1024, peak: peak * 1024 } : null;
  } catch {
    return null;
  }
}
