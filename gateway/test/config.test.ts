// Config loading: defaults, env overrides, the upstreams shorthand, and errors that name the key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveConfig } from '../src/config/load.js';

describe('config', () => {
  it('fills defaults for an empty file', () => {
    const cfg = resolveConfig({});
    expect(cfg.server.port).toBe(8080);
    expect(cfg.toolcalls.policy).toBe('retry');
    expect(cfg.timeouts.idleMs).toBe(30_000);
  });

  it('turns upstreams into a default pool with every pool default (prefix routing)', () => {
    const cfg = resolveConfig({ upstreams: ['http://10.0.0.1:8000', 'http://10.0.0.2:8000'] });
    const pool = cfg.pools.default!;
    expect(pool.backends.map((b) => b.url)).toEqual(['http://10.0.0.1:8000', 'http://10.0.0.2:8000']);
    expect(pool.policy.type).toBe('prefix');
    expect(pool.ejection.consecutiveFailures).toBeGreaterThan(0);
  });

  it('applies PORT, HOST, TOOLGATE_UPSTREAMS and REDIS_URL from the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tg-config-'));
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'server:\n  port: 9000\ntimeouts:\n  idleMs: 1234\n');
    const cfg = loadConfig(file, {
      PORT: '9100',
      HOST: '127.0.0.1',
      TOOLGATE_UPSTREAMS: 'http://a:1, http://b:2',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(cfg.server.port).toBe(9100);
    expect(cfg.server.host).toBe('127.0.0.1');
    expect(cfg.timeouts.idleMs).toBe(1234);
    expect(cfg.pools.default!.backends.map((b) => b.url)).toEqual(['http://a:1', 'http://b:2']);
    expect(cfg.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it.each([
    [{ timeouts: { idleMs: 0 } }, '/timeouts/idleMs'],
    [{ serverr: {} }, '/serverr is not a known key'],
    [{ toolcalls: { policy: 'fix' } }, '/toolcalls/policy'],
    [{ upstreams: ['ftp://x'] }, '/upstreams/0'],
    [
      { models: { m: { variants: { a: { weight: 1 } }, shadow: { variant: 'b', percent: 5 } } } },
      "/models/m/shadow/variant 'b'",
    ],
  ])('rejects %j naming the key', (raw, key) => {
    let err: unknown;
    try {
      resolveConfig(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(key);
  });

  it('reports an unreadable or malformed file clearly', () => {
    expect(() => loadConfig('/nonexistent/toolgate.yaml', {})).toThrow(/cannot read config file/);
    const dir = mkdtempSync(path.join(tmpdir(), 'tg-config-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'server: [1, 2\n');
    expect(() => loadConfig(file, {})).toThrow(/not valid YAML/);
  });
});
