// API keys and rate limits as Hono middlewares, exercised over real loopback HTTP with the real
// openai SDK, and shared across processes through a real redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyAuth } from '../../src/api/auth-middleware.js';
import { rateLimit } from '../../src/api/rate-limit-middleware.js';
import { createApiKeyStore, loadApiKeys, parseKeyEntries, sha256 } from '../../src/state/api-keys.js';
import { resolveStateConfig } from '../../src/state/config.js';
import { createRateLimiter } from '../../src/state/rate-limiter.js';
import { RedisRateLimiter } from '../../src/state/redis-rate-limiter.js';
import { createRedisClient, waitForRedis } from '../../src/state/redis-client.js';
import type { RateLimiter } from '../../src/state/token-bucket.js';
import { REPO_ROOT } from '../helpers/net.js';
import { startRedis } from '../helpers/redis.js';
import { counterValue, quietLogger, testMetrics } from '../capture/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(app: Hono): Promise<string> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function gatewayApp(opts: {
  keys: ReturnType<typeof createApiKeyStore>;
  limiter: RateLimiter | null;
  metrics: ReturnType<typeof testMetrics>;
}) {
  const app = new Hono();
  app.get('/health', (c) => c.body(null, 200));
  app.use('/v1/*', apiKeyAuth({ keys: opts.keys, metrics: opts.metrics, logger: quietLogger() }));
  app.use('/v1/*', rateLimit({ limiter: opts.limiter, metrics: opts.metrics }));
  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: [{ id: 'qwen3-0.6b', object: 'model', created: 0, owned_by: 'toolgate' }] }),
  );
  return app;
}

describe('API keys', () => {
  it('loads plain and sha256: entries from file and env, keeps only digests, rejects bad digests', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'toolgate-keys-'));
    const file = path.join(dir, 'keys.txt');
    await writeFile(file, `# team keys\nsk-file-one\nsha256:${sha256('sk-hashed').toString('hex')}  # pre-hashed\n\n`);
    const store = loadApiKeys({ apiKeysFile: file, apiKeysEnv: 'MY_KEYS' }, { MY_KEYS: 'sk-env-a, sk-env-b' });
    expect(store.size).toBe(4);
    for (const k of ['sk-file-one', 'sk-hashed', 'sk-env-a', 'sk-env-b'])
      expect(store.verify(k)).toBe(sha256(k).toString('hex').slice(0, 16));
    expect(store.verify('sk-file-on')).toBeNull();
    expect(store.verify('')).toBeNull();
    expect(() => parseKeyEntries('sha256:abc', 'x')).toThrow(/not 64 hex digits/);
    expect(() => loadApiKeys({ apiKeysFile: path.join(dir, 'missing'), apiKeysEnv: 'NONE' }, {})).toThrow(
      /cannot read/,
    );
    expect(loadApiKeys({ apiKeysEnv: 'NONE' }, {}).enabled).toBe(false);
  });

  it('missing or wrong key → 401 invalid_api_key in OpenAI shape (via the openai SDK); right key passes', async () => {
    const metrics = testMetrics();
    const base = await listen(
      gatewayApp({ keys: createApiKeyStore(parseKeyEntries('sk-good-key', 't')), limiter: null, metrics }),
    );
    const raw = await fetch(`${base}/v1/models`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Bearer');
    expect(await raw.json()).toEqual({
      error: {
        message: expect.stringContaining("didn't provide an API key"),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    const wrong = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-wrong-key', maxRetries: 0 });
    const err = await wrong.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    expect(JSON.stringify((err as Error).message)).not.toContain('sk-wrong-key');
    const good = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-good-key', maxRetries: 0 });
    expect((await good.models.list()).data.map((m) => m.id)).toEqual(['qwen3-0.6b']);
    expect((await fetch(`${base}/health`)).status).toBe(200); // outside /v1: no key needed
    expect(await counterValue(metrics.authFailures)).toBe(2);
  });

  it('no keys configured → auth is off', async () => {
    const base = await listen(gatewayApp({ keys: createApiKeyStore([]), limiter: null, metrics: testMetrics() }));
    expect((await fetch(`${base}/v1/models`)).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('in memory: burst passes, the next request gets 429 with Retry-After in OpenAI shape; keys have separate buckets', async () => {
    const metrics = testMetrics();
    const limiter = createRateLimiter(
      resolveStateConfig({ rateLimit: { requestsPerMinute: 6, burst: 3 } }, {}).rateLimit,
    );
    const base = await listen(
      gatewayApp({ keys: createApiKeyStore(parseKeyEntries('sk-a,sk-b', 't')), limiter, metrics }),
    );
    const get = (key: string) => fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await get('sk-a');
      statuses.push(r.status);
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe(String(2 - i));
    }
    const refused = await get('sk-a');
    expect([...statuses, refused.status]).toEqual([200, 200, 200, 429]);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(9); // 6/min → one token per 10 s
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(await refused.json()).toEqual({
      error: {
        message: expect.stringContaining('Rate limit reached'),
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    expect((await get('sk-b')).status).toBe(200);
    const sdk = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-a', maxRetries: 0 });
    expect(await sdk.models.list().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await counterValue(metrics.rateLimited)).toBe(2);
  });

  it('two processes share one Redis bucket per key', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.dispose());
    const children: ChildProcess[] = [];
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'gateway/test/state/fixtures/limited-server.ts')],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, REDIS_URL: redis.url, RPM: '1', BURST: '10', TOOLGATE_API_KEYS: 'sk-shared,sk-other' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      cleanups.push(() => void child.kill('SIGKILL'));
      ports.push(
        await new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout?.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /LISTENING (\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
          child.once('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
        }),
      );
    }
    const hit = (port: number, key: string) =>
      fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then(
        (r) => r.status,
      );
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push(await hit(ports[i % 2] as number, 'sk-shared'));
    // One shared bucket of 10 (refill 1/min): exactly 10 pass in total, not 10 per process.
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.filter((s) => s === 429)).toHaveLength(14);
    expect(await hit(ports[1] as number, 'sk-other')).toBe(200);
  });

  it('Redis down → falls back to the in-memory bucket (no errors, no hang); back up → shared buckets again', async () => {
    const server = await startRedis();
    cleanups.push(() => server.dispose());
    const client = createRedisClient(server.url, { commandTimeoutMs: 200 });
    client.on('error', () => undefined);
    cleanups.push(() => client.disconnect());
    await waitForRedis(client);
    const limiter = new RedisRateLimiter(client, { requestsPerMinute: 1, burst: 2, logger: quietLogger() });
    expect((await limiter.take('k')).allowed).toBe(true);
    expect((await limiter.take('k')).allowed).toBe(true);
    expect((await limiter.take('k')).allowed).toBe(false); // shared bucket empty
    await server.stop();
    const t0 = Date.now();
    const during = [await limiter.take('k'), await limiter.take('k'), await limiter.take('k')];
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(during.map((r) => r.allowed)).toEqual([true, true, false]); // this replica's own bucket
    expect(limiter.fallbackDecisions).toBe(3);
    await server.start();
    await waitForRedis(client, 10_000);
    // A fresh Redis (no persistence) → a fresh shared bucket.
    expect((await limiter.take('k')).allowed).toBe(true);
    expect(limiter.fallbackDecisions).toBe(3);
  });
});
