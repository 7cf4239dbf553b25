// Capture through the real gateway into a real Redis Stream: records reach the stream; closing
// the gateway and starting a new one on the same config loses no acknowledged record; Redis shut
// down and restarted mid-run loses none either (spooled, then replayed); and a full capture queue
// drops and counts records without ever failing a client request.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { resolveConfig } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { BASE_MODEL, FAST, RAW, chat, metricSum, metricsText, tempDir, until } from '../experiments/helpers.js';
import { sessionPseudonym } from '../../src/capture/redact.js';

const STREAM = 'toolgate:capture:e2e';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  redis: RedisServer;
  admin: Redis;
  sim: SimCluster;
  dir: string;
  start(extra?: Record<string, unknown>): Promise<Gateway>;
}

async function rig(): Promise<Rig> {
  const redis = await startRedis();
  cleanups.push(() => redis.dispose());
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => undefined);
  cleanups.push(() => admin.disconnect());
  const sim = await startSim({ port: 0, pods: 1, ...FAST });
  cleanups.push(() => sim.close());
  const tmp = await tempDir('toolgate-capture-redis-e2e-');
  cleanups.push(() => tmp.remove());
  return {
    redis,
    admin,
    sim,
    dir: tmp.dir,
    async start(extra = {}) {
      const cfg = resolveConfig({
        server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
        health: { intervalMs: 60_000 },
        upstreams: sim.urls,
        redis: { url: redis.url },
        capture: { dir: tmp.dir, sampleValid: 0, stream: { name: STREAM } },
        // One-pass verdicts: the invalid outputs these tests send must stay invalid (no re-ask).
        toolcalls: { policy: 'repair' },
        ...extra,
      });
      const gw = await startGateway(cfg, { logger: createLogger({}, 'silent') });
      let closed = false;
      const close = gw.close.bind(gw);
      gw.close = async () => {
        if (closed) return;
        closed = true;
        await close();
      };
      cleanups.push(() => gw.close());
      return gw;
    },
  };
}

/** Sends `n` requests whose output is an unrepairable tool call (always captured); returns their request ids. */
async function sendInvalid(gw: Gateway, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await chat(gw.url, {
      model: BASE_MODEL,
      headers: { 'x-session-id': `${tag}-${i}` },
      body: { sim_script: { raw: RAW.invalid, parser: 'none' } },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    ids.push(res.headers.get('x-request-id')!);
  }
  return ids;
}

/** Everything offered is acknowledged and nothing waits in the spool (records written before the
 * gateway's Redis connection came up are spooled and replayed once it is ready). */
async function settle(gw: Gateway): Promise<void> {
  await gw.capture.flush();
  await until(() => !gw.capture.spoolPending, 'the capture spool to drain', 20_000);
}

async function streamRecords(admin: Redis): Promise<Record<string, unknown>[]> {
  const entries = await admin.xrange(STREAM, '-', '+');
  return entries.map(
    ([, fields]) => JSON.parse(fields[fields.indexOf('rec') + 1] as string) as Record<string, unknown>,
  );
}

describe('capture to a Redis stream through the gateway', () => {
  it('records reach the stream, and a gateway restart loses no acknowledged record', async () => {
    const r = await rig();
    const first = await r.start();
    const before = await sendInvalid(first, 3, 'first');
    await settle(first);
    const recs = await streamRecords(r.admin);
    expect(recs.map((x) => x.requestId)).toEqual(before);
    expect(recs[0]).toMatchObject({
      kind: 'tool_call',
      outcome: 'invalid',
      model: BASE_MODEL,
      conversationId: sessionPseudonym('first-0'),
      rawOutput: RAW.invalid,
    });

    // Records still queued at shutdown are drained by close(); a new gateway continues the stream.
    const inFlight = await sendInvalid(first, 2, 'closing');
    await first.close();
    const second = await r.start();
    const after = await sendInvalid(second, 3, 'second');
    await settle(second);
    await second.close();
    const all = await streamRecords(r.admin);
    expect(all.map((x) => x.requestId)).toEqual([...before, ...inFlight, ...after]);
    expect(new Set(all.map((x) => x.id)).size).toBe(all.length);
  });

  it('Redis shut down and restarted mid-run loses no record: spooled while down, replayed in order', async () => {
    const r = await rig();
    const gw = await r.start();
    const before = await sendInvalid(gw, 2, 'up');
    await settle(gw);
    const counted = async (result: string) =>
      metricSum(await metricsText(gw.url), 'toolgate_capture_records_total', { sink: 'redis', result });
    const base = { buffered: await counted('buffered'), replayed: await counted('replayed') };
    await r.redis.stop({ save: true });
    const during = await sendInvalid(gw, 3, 'down'); // clients never notice
    await gw.capture.flush();
    expect(gw.capture.spoolPending).toBe(true);
    await r.redis.start();
    await until(async () => !gw.capture.spoolPending, 'the spool to be replayed', 20_000);
    const after = await sendInvalid(gw, 2, 'back');
    await settle(gw);
    const recs = await streamRecords(r.admin);
    expect(recs.map((x) => x.requestId)).toEqual([...before, ...during, ...after]);
    expect((await counted('buffered')) - base.buffered).toBe(3);
    expect((await counted('replayed')) - base.replayed).toBe(3);
  }, 40_000);

  it('a full capture queue drops and counts records, and every client still gets its answer', async () => {
    const r = await rig();
    // queueSize 1 and a frozen Redis: the worker holds one record in a hung write, one waits in the queue.
    const gw = await r.start({
      capture: { dir: r.dir, sampleValid: 0, queueSize: 1, stream: { name: STREAM } },
      redis: { url: r.redis.url, commandTimeoutMs: 20_000 },
    });
    // One record first, so the gateway's Redis connection is up (else records go to the spool file, which never hangs).
    await sendInvalid(gw, 1, 'warm');
    await settle(gw);
    r.redis.pause();
    try {
      const n = 20;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          chat(gw.url, {
            model: BASE_MODEL,
            content: `weather ${i}`,
            body: { sim_script: { raw: RAW.invalid, parser: 'none' } },
          }),
        ),
      );
      for (const res of results) {
        expect(res.status).toBe(200);
        const body = (await res.json()) as { choices: unknown[] };
        expect(body.choices).toHaveLength(1);
      }
      const m = await metricsText(gw.url);
      expect(metricSum(m, 'toolgate_capture_dropped_total')).toBe(n - 2);
    } finally {
      r.redis.resume();
    }
    await settle(gw);
    expect(await streamRecords(r.admin)).toHaveLength(1 + 2);
  });
});
