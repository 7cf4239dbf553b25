// Two real gateway processes in front of the same simulator share one rate limit through one real
// redis-server: requests spread over both get exactly `burst` allowed, the rest 429 with
// Retry-After, in OpenAI's error shape.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { BASE_MODEL, FAST, chat, errorOf, simRequests, tempDir, until } from '../experiments/helpers.js';
import { serveProcess, type GatewayProcess } from './processes.js';
import { TEST_WORKERS } from '../helpers/net.js';

const BURST = 4;

describe('two gateway processes share one Redis rate limit', () => {
  let redis: RedisServer;
  let admin: Redis;
  let sim: SimCluster;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const gws: GatewayProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    sim = await startSim({ port: 0, pods: 1, ...FAST });
    tmp = await tempDir('toolgate-ratelimit-e2e-');
    // One token a minute: nothing refills during the test, so the count is exact.
    const config = {
      upstreams: sim.urls,
      redis: { url: redis.url },
      rateLimit: { requestsPerMinute: 1, burst: BURST },
      capture: { dir: tmp.dir },
      health: { intervalMs: 60_000 },
    };
    gws.push(...(await Promise.all([serveProcess(tmp.dir, 'a', config), serveProcess(tmp.dir, 'b', config)])));
    // Both processes hold a Redis connection (before that each would fall back to a local bucket).
    // Every worker of both processes (TOOLGATE_TEST_WORKERS each): one not yet connected would
    // decide on its own buckets, as in a Redis outage.
    await until(
      async () =>
        ((await admin.client('LIST')) as string).split('\n').filter((l) => / name=toolgate /.test(l)).length >=
        2 * Number(TEST_WORKERS),
      'every worker of both gateways connected to Redis',
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gws.map((g) => g.stop()));
    admin?.disconnect();
    await sim?.close();
    await redis?.dispose();
    await tmp?.remove();
  });

  it(`exactly ${BURST} requests pass across both processes; the rest get 429 with Retry-After`, async () => {
    const before = simRequests(sim);
    const statuses: { gw: number; status: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const gw = i % 2;
      const res = await chat(gws[gw]!.url, { model: BASE_MODEL, tools: false });
      statuses.push({ gw, status: res.status });
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
        expect(await errorOf(res)).toMatchObject({
          type: 'rate_limit_error',
          code: 'rate_limit_exceeded',
          param: null,
        });
      } else {
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit-requests')).toBe('1');
        await res.arrayBuffer();
      }
    }
    expect(statuses.filter((s) => s.status === 200)).toHaveLength(BURST);
    expect(statuses.filter((s) => s.status === 429)).toHaveLength(10 - BURST);
    // Both processes allowed some and refused some: one bucket, not two.
    for (const gw of [0, 1]) {
      expect(statuses.some((s) => s.gw === gw && s.status === 200)).toBe(true);
      expect(statuses.some((s) => s.gw === gw && s.status === 429)).toBe(true);
    }
    // Refused requests never reached the backend.
    expect(simRequests(sim) - before).toBe(BURST);
    // Probes are outside /v1 and never limited.
    for (const g of gws) expect((await fetch(`${g.url}/health`)).status).toBe(200);
  });
});
