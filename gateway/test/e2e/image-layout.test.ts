// The gateway image ships only what `toolgate serve` runs. This lays out the files the
// Dockerfile's final stage copies (read from the Dockerfile itself, built dist/ as its build
// stage makes it) in a temp dir and runs its ENTRYPOINT there: serve with no upstream starts the
// built-in simulator and answers a chat completion; the load test and eval are absent, and asking
// for them says so instead of printing a stack.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBin } from '../helpers/built-bin.js';
import { freePort, REPO_ROOT, spawnCollecting, stopProcess, waitForHttp } from '../helpers/net.js';

interface ImageLayout {
  workdir: string;
  copies: { from: string; to: string }[];
  entrypoint: string[];
}

/** The final stage of the Dockerfile: its WORKDIR, COPY lines and ENTRYPOINT. */
function finalStage(dockerfile: string): ImageLayout {
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const workdir = /^WORKDIR (\S+)$/m.exec(stage)?.[1] ?? '/';
  const copies = [...stage.matchAll(/^COPY (--from=\S+ )?(\S+) (\S+)$/gm)].map((m) => {
    // A build-stage path is what the build leaves in the checkout (npm ci, npm run build).
    const from = m[1] ? path.relative(workdir, m[2]!) : m[2]!;
    return { from, to: m[3]! };
  });
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(stage)?.[1] ?? '[]') as string[];
  return { workdir, copies, entrypoint };
}

describe('gateway image layout', () => {
  const layout = finalStage(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  let app: string;

  beforeAll(async () => {
    await builtBin();
    app = mkdtempSync(path.join(tmpdir(), 'toolgate-image-'));
    for (const { from, to } of layout.copies) {
      // node_modules is linked, not copied (the image's is the same tree, pruned of dev deps).
      if (from === 'node_modules') symlinkSync(path.join(REPO_ROOT, from), path.join(app, to), 'dir');
      else cpSync(path.join(REPO_ROOT, from), path.join(app, to), { recursive: true });
    }
  }, 300_000);
  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) => {
    const [node, main] = layout.entrypoint;
    expect(node).toBe('node');
    const child = spawn(process.execPath, [path.join(app, main!), ...args], {
      cwd: app,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return Object.assign(child, { output: () => out });
  };

  it('holds the gateway and the simulator, not the load test or the eval', () => {
    expect(layout.copies.map((c) => c.to)).toEqual(
      expect.arrayContaining(['dist/gateway/src', 'dist/loadtest/src/sim']),
    );
    expect(existsSync(path.join(app, 'dist/gateway/src/cli/main.js'))).toBe(true);
    expect(existsSync(path.join(app, 'dist/loadtest/src/sim/index.js'))).toBe(true);
    expect(existsSync(path.join(app, 'dist/loadtest/src/runner'))).toBe(false);
    expect(existsSync(path.join(app, 'dist/eval'))).toBe(false);
  });

  it('serves a chat completion from the built-in simulator with no upstream configured', async () => {
    const port = await freePort();
    const gw = run(['serve', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'], {
      TOOLGATE_UPSTREAMS: '',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/ready`, 60_000).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${gw.output()}`);
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { message: { role: string } }[] };
      expect(body.choices[0]?.message.role).toBe('assistant');
    } finally {
      await stopProcess(gw);
    }
  });

  it('answers a command it does not ship with a clear message and exit 1', async () => {
    for (const command of ['loadtest', 'eval']) {
      const child = run([command, '--help']);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(child.output()).toContain(`toolgate ${command}: this installation does not include it`);
      expect(child.output()).toContain('The gateway image ships serve, sim, score, export and report');
    }
  });

  it('runs every command from the full build (the npm package)', async () => {
    const child = spawnCollecting(process.execPath, [
      path.join(REPO_ROOT, 'dist/gateway/src/cli/main.js'),
      'loadtest',
      '--help',
    ]);
    expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(0);
    expect(child.output()).toContain('usage: toolgate loadtest');
  });
});
