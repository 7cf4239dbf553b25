// `toolgate sim` as a real child process: URL lines on stdout, serving, clean SIGTERM exit.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KvCache, blockHashes } from '../../src/sim/kv-cache.js';
import { resolveProfile } from '../../src/sim/profiles.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('toolgate sim CLI', () => {
  it('starts 2 pods, prints their URLs, serves LoRA cards, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'gateway/src/cli/main.ts'),
        'sim',
        '--port',
        '0',
        '--pods',
        '2',
        '--ttft-ms',
        '5',
        '--itl-ms',
        '1',
        '--lora',
        'a',
        '--lora',
        'b',
        '--model',
        'm',
        '--reasoning-parser',
        'none',
        '--parser',
        'none',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while ((out.match(/sim pod listening/g) ?? []).length < 2 && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    const lines = out
      .split('\n')
      .filter((l) => l.includes('sim pod listening'))
      .map((l) => JSON.parse(l) as { url: string; pod: number });
    expect(lines.map((l) => l.pod)).toEqual([0, 1]);
    const models = (await (await fetch(`${lines[1]!.url}/v1/models`)).json()) as {
      data: Array<{ id: string; parent: string | null }>;
    };
    expect(models.data.map((m) => [m.id, m.parent])).toEqual([
      ['m', null],
      ['a', 'm'],
      ['b', 'm'],
    ]);
    // --reasoning-parser none: think text stays in content; --parser none: tools need tool_choice "none".
    const chat = (body: Record<string, unknown>) =>
      fetch(`${lines[0]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
      });
    const plain = (await (await chat({ sim_script: { raw: '<think>x</think>y' } })).json()) as {
      choices: Array<{ message: { content: string; reasoning: null } }>;
    };
    expect(plain.choices[0]!.message).toMatchObject({ content: '<think>x</think>y', reasoning: null });
    expect((await chat({ tools: [{ type: 'function', function: { name: 'f' } }] })).status).toBe(400);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('--help exits 0 and bad flags exit 2', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(ROOT, 'gateway/src/cli/main.ts'), 'sim', ...args],
          { cwd: ROOT },
        );
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--max-num-batched-tokens');
    expect((await run(['--bogus'])).code).toBe(2);
    const badProfile = await run(['--profile', 'nope', '--port', '0']);
    expect(badProfile.code).toBe(1);
    expect(badProfile.out).toContain("unknown profile 'nope'");
    expect(help.out).toContain('--exclude-tools-when-tool-choice-none');
    const badReasoning = await run(['--reasoning-parser', 'deepseek_r1', '--port', '0']);
    expect(badReasoning.code).toBe(1);
    expect(badReasoning.out).toContain('--reasoning-parser must be qwen3 or none');
  });
});

describe('KV cache and profiles', () => {
  it('shares prefix blocks, keeps finished blocks cached, evicts LRU under pressure', () => {
    const kv = new KvCache(4, 2);
    const a = blockHashes([1, 2, 3, 4, 5], 2); // 2 full blocks
    expect(a).toHaveLength(2);
    const ha = { hashed: [], privateBlocks: 0 };
    expect(kv.grow(ha, a, 3)).toBe(true); // 2 hashed + 1 private
    expect(kv.used).toBe(3);
    const hb = { hashed: [], privateBlocks: 0 };
    expect(kv.cachedPrefixBlocks(blockHashes([1, 2, 3, 4, 9, 9], 2))).toBe(2);
    expect(kv.grow(hb, blockHashes([1, 2, 3, 4, 9, 9], 2), 3)).toBe(true); // shares 2, 1 new hashed
    expect(kv.used).toBe(4);
    expect(kv.usage()).toBe(1);
    expect(kv.grow({ hashed: [], privateBlocks: 0 }, [], 1)).toBe(false); // full
    kv.release(ha);
    expect(kv.used).toBe(3); // shared blocks still held by b; a's private freed
    kv.release(hb);
    expect(kv.used).toBe(0);
    expect(kv.cachedPrefixBlocks(a)).toBe(2); // still cached after release
    expect(kv.grow({ hashed: [], privateBlocks: 0 }, [], 4)).toBe(true); // evicts all cached blocks
    expect(kv.cachedPrefixBlocks(a)).toBe(0);
  });

  it('resolves named profiles, overrides and rejects bad values', () => {
    const d = resolveProfile(undefined);
    expect(d).toMatchObject({
      kind: 'engine',
      decodeBaseMs: 2.4,
      decodePerSeqMs: 0.03,
      prefillTokensPerSecond: 190000,
    });
    expect(resolveProfile({ maxNumSeqs: 1 })).toMatchObject({ kind: 'engine', maxNumSeqs: 1, decodeBaseMs: 2.4 });
    expect(resolveProfile({ ttftMs: 7 })).toMatchObject({ kind: 'fixed', ttftMs: 7, itlMs: 10 });
    expect(() => resolveProfile({ maxNumSeqs: 0 })).toThrow(/maxNumSeqs/);
    expect(() => resolveProfile('nope')).toThrow(/unknown profile/);
  });
});
