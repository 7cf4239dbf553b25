// Bad routing config fails at start with a message that names the key — checked on the real
// `toolgate serve` process (exit code and stderr), not just on the validator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnToolgate } from '../helpers/net.js';

const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-routing-config-'));
const backend = { url: 'http://127.0.0.1:9' };

async function serveWith(config: unknown): Promise<{ code: number | null; output: string }> {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ server: { host: '127.0.0.1', port: 0 }, ...(config as object) }));
  const child = spawnToolgate(['serve', '--config', file]);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 30_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output: child.output() };
}

describe('routing config errors', () => {
  let results: Array<{ code: number | null; output: string }>;
  beforeAll(async () => {
    results = await Promise.all([
      serveWith({ pools: { default: { backends: [backend], policy: { type: 'fastest' } } } }),
      serveWith({ pools: { default: { backends: [backend], policy: { type: 'prefix', epsilon: 0 } } } }),
      serveWith({ pools: { default: { backends: [backend] }, spare: { policy: { type: 'least_loaded' } } } }),
      serveWith({ pools: { default: { backends: [backend], policy: { type: 'prefix', blockSize: 64 } } } }),
    ]);
  }, 60_000);
  afterAll(() => undefined);

  it('rejects an unknown policy and lists the known ones', () => {
    expect(results[0]!.code).not.toBe(0);
    expect(results[0]!.output).toContain(
      "/pools/default/policy/type: unknown routing policy 'fastest' (known: round_robin, least_loaded, session, prefix)",
    );
  });

  it('rejects epsilon <= 0', () => {
    expect(results[1]!.code).toBe(2);
    expect(results[1]!.output).toContain('/pools/default/policy/epsilon must be > 0');
  });

  it('rejects an empty pool', () => {
    expect(results[2]!.code).not.toBe(0);
    expect(results[2]!.output).toContain(
      "/pools/spare: pool 'spare' is empty: give it static backends or a discovery source",
    );
  });

  it('rejects an unknown policy option (typo)', () => {
    expect(results[3]!.code).toBe(2);
    expect(results[3]!.output).toContain('/pools/default/policy/blockSize is not a known key');
  });
});
