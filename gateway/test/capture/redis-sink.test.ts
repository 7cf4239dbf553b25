// Capture with Redis: records reach the stream; outages (server killed, server frozen) and crashes
// of the capturing process lose no acknowledged record, and the spool is replayed exactly once,
// in order. Every test runs against its own real redis-server on a loopback port.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveCaptureConfig } from '../../src/capture/config.js';
import { createCapture, type Capture } from '../../src/capture/pipeline.js';
import { createRedisClient, waitForRedis } from '../../src/state/redis-client.js';
import { REPO_ROOT } from '../helpers/net.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { counterValue, quietLogger, testMetrics, toolCallRecord } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ server: RedisServer; redis: Redis; dir: string; admin: Redis }> {
  const server = await startRedis();
  const redis = createRedisClient(server.url, { commandTimeoutMs: 300 });
  const admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  await waitForRedis(redis);
  const dir = await mkdtemp(path.join(tmpdir(), 'toolgate-capture-redis-'));
  cleanups.push(
    () => server.dispose(),
    () => redis.disconnect(),
    () => admin.disconnect(),
  );
  return { server, redis, dir, admin };
}

async function streamIds(admin: Redis, stream: string): Promise<string[]> {
  const entries = await admin.xrange(stream, '-', '+');
  return entries.map(([, fields]) => fields[fields.indexOf('id') + 1] as string);
}

async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const offerMany = (cap: Capture, prefix: string, n: number) => {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const id of ids) expect(cap.offer(toolCallRecord({ id }))).toBe(true);
  return ids;
};

describe('capture → Redis Stream', () => {
  it('XADDs every record, redacted, in order, with the stream capped approximately', async () => {
    const { redis, dir, admin } = await setup();
    const metrics = testMetrics();
    const cap = createCapture(resolveCaptureConfig({ dir, stream: { name: 'cap', maxLen: 100_000 } }), {
      redis,
      metrics,
      logger: quietLogger(),
    });
    const ids = offerMany(cap, 'a', 300);
    cap.offer(toolCallRecord({ id: 'secret', rawOutput: 'mail me: x.y@example.org' }));
    await cap.close();
    expect(await streamIds(admin, 'cap')).toEqual([...ids, 'secret']);
    const [last] = await admin.xrevrange('cap', '+', '-', 'COUNT', 1);
    const rec = JSON.parse(last?.[1][3] as string) as { rawOutput: string; kind: string };
    expect(rec.kind).toBe('tool_call');
    expect(rec.rawOutput).toBe('mail me: [REDACTED_EMAIL]');
    expect(await counterValue(metrics.captureRecords, { sink: 'redis', result: 'written' })).toBe(301);
    expect((await readdir(dir)).filter((f) => f.endsWith('.jsonl'))).toEqual([]); // no JSONL files in Redis mode
  });

  it('Redis stopped and restarted mid-run: outage records are spooled, then replayed exactly once, in order', async () => {
    const { server, redis, dir, admin } = await setup();
    const metrics = testMetrics();
    const cap = createCapture(resolveCaptureConfig({ dir, stream: { name: 'cap' }, batchSize: 16 }), {
      redis,
      metrics,
      logger: quietLogger(),
      replayIntervalMs: 100,
    });
    const before = offerMany(cap, 'before', 50);
    await cap.flush();
    await server.stop({ save: true }); // data survives, as with a persistent production Redis
    const during = offerMany(cap, 'during', 120);
    await cap.flush(); // acknowledged = in the spool file
    expect(cap.spoolPending).toBe(true);
    expect(await counterValue(metrics.captureRecords, { sink: 'redis', result: 'buffered' })).toBe(120);
    await server.start();
    const after = offerMany(cap, 'after', 40); // must land behind the spooled ones
    await until(async () => !cap.spoolPending && cap.depth === 0);
    await cap.close();
    expect(await streamIds(admin, 'cap')).toEqual([...before, ...during, ...after]);
    expect(await counterValue(metrics.captureRecords, { sink: 'redis', result: 'replayed' })).toBeGreaterThanOrEqual(
      120,
    );
    expect((await readdir(path.join(dir, 'spool'))).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });

  it('a frozen Redis (replies time out, commands still arrive later) causes no duplicates', async () => {
    const { server, redis, dir, admin } = await setup();
    const metrics = testMetrics();
    const cap = createCapture(resolveCaptureConfig({ dir, stream: { name: 'cap' }, batchSize: 25 }), {
      redis,
      metrics,
      logger: quietLogger(),
      replayIntervalMs: 100,
    });
    const first = offerMany(cap, 'x', 25);
    await cap.flush();
    server.pause();
    // This batch is sent, times out (300 ms) and is spooled — but Redis runs it once thawed.
    const second = offerMany(cap, 'y', 25);
    await cap.flush();
    expect(cap.spoolPending).toBe(true);
    server.resume();
    await until(async () => !cap.spoolPending);
    const third = offerMany(cap, 'z', 25);
    await cap.close();
    expect(await streamIds(admin, 'cap')).toEqual([...first, ...second, ...third]);
    // The spooled batch had already landed when Redis thawed: the replay skipped all 25.
    expect(await counterValue(metrics.captureRecords, { sink: 'redis', result: 'buffered' })).toBe(25);
    expect(await counterValue(metrics.captureRecords, { sink: 'redis', result: 'replayed' })).toBe(0);
  });

  it('a killed process that acknowledged records loses none: its spool is adopted and replayed by the next one', async () => {
    const { server, redis, dir, admin } = await setup();
    await server.stop({ save: true });
    // The child captures 200 records while Redis is down (all spooled), prints ACKED, is SIGKILLed.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'gateway/test/capture/fixtures/capture-child.ts')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, REDIS_URL: server.url, CAPTURE_DIR: dir, COUNT: '200', PREFIX: 'crash', STREAM: 'cap' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    cleanups.push(() => void child.kill('SIGKILL'));
    await until(() => out.includes('ACKED') || child.exitCode !== null, 30_000);
    expect(out).toContain('ACKED 200 spool=true');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    await server.start();
    await waitForRedis(redis);
    const cap = createCapture(resolveCaptureConfig({ dir, stream: { name: 'cap' } }), {
      redis,
      metrics: testMetrics(),
      logger: quietLogger(),
      replayIntervalMs: 100,
    });
    const mine = offerMany(cap, 'next', 10);
    await until(async () => (await admin.xlen('cap')) >= 210);
    await cap.close();
    const expected = [...Array.from({ length: 200 }, (_, i) => `crash-${i}`), ...mine];
    expect(await streamIds(admin, 'cap')).toEqual(expected);
  });

  it('a killed process in file mode loses no acknowledged record', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'toolgate-capture-kill-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'gateway/test/capture/fixtures/capture-child.ts')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, REDIS_URL: '', CAPTURE_DIR: dir, COUNT: '500', PREFIX: 'f' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cleanups.push(() => void child.kill('SIGKILL'));
    await until(() => out.includes('ACKED'), 30_000);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const { readRecords } = await import('../../src/capture/read-records.js');
    const res = await readRecords({ path: dir });
    expect(res.records.map((r) => r.id)).toEqual(Array.from({ length: 500 }, (_, i) => `f-${i}`));
    expect(res.malformed).toBe(0);
  });
});
