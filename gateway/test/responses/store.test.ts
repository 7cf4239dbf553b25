// The response store behind previous_response_id, item_reference and GET/DELETE: in memory
// (bounded, least recently used out first, TTL) and in a real redis-server (TTL on every key,
// items found by id, a Redis outage is a 503 rather than a wrong "not found").
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/api/errors.js';
import type { ResponseObject } from '../../src/responses/protocol.js';
import { MemoryResponseStore, RedisResponseStore, type StoredResponse } from '../../src/responses/store.js';
import { createRedisClient, waitForRedis } from '../../src/state/redis-client.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

function entry(id: string, itemId = `msg_${id}`): StoredResponse {
  const response = {
    id,
    object: 'response',
    status: 'completed',
    output: [
      {
        type: 'message',
        id: itemId,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: `hi from ${id}`, annotations: [], logprobs: [] }],
      },
    ],
  } as unknown as ResponseObject;
  return { response, context: [{ role: 'user', content: `question ${id}` }], listed: [] };
}

describe('MemoryResponseStore', () => {
  it('finds responses and their items, deletes them, and keeps at most maxEntries (least recently used out)', async () => {
    const s = new MemoryResponseStore(60_000, 2);
    await s.put(entry('resp_a'));
    await s.put(entry('resp_b'));
    expect((await s.get('resp_a'))?.context).toEqual([{ role: 'user', content: 'question resp_a' }]); // a is now the most recent
    await s.put(entry('resp_c'));
    expect(await s.get('resp_b')).toBeNull();
    expect(await s.getItem('msg_resp_b')).toBeNull();
    expect((await s.getItem('msg_resp_a'))?.id).toBe('msg_resp_a');
    expect(await s.delete('resp_a')).toBe(true);
    expect(await s.delete('resp_a')).toBe(false);
    expect(await s.getItem('msg_resp_a')).toBeNull();
  });

  it('expires entries after the TTL and hands out copies', async () => {
    let now = 1_000;
    const s = new MemoryResponseStore(5_000, 10, () => now);
    await s.put(entry('resp_a'));
    const got = (await s.get('resp_a'))!;
    got.context.push({ role: 'user', content: 'mutated' });
    expect((await s.get('resp_a'))!.context).toHaveLength(1);
    now += 5_001;
    expect(await s.get('resp_a')).toBeNull();
    expect(await s.delete('resp_a')).toBe(false);
  });
});

describe('RedisResponseStore', () => {
  let server: RedisServer;
  let redis: Redis;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = createRedisClient(server.url, { commandTimeoutMs: 300 });
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined); // the outage test stops the server
    await waitForRedis(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    admin?.disconnect();
    await server?.dispose();
  });

  it('stores a response and its items with the TTL, and deletes both', async () => {
    const s = new RedisResponseStore(redis, 120);
    await s.put(entry('resp_r1'));
    expect((await s.get('resp_r1'))?.response.id).toBe('resp_r1');
    expect((await s.getItem('msg_resp_r1'))?.id).toBe('msg_resp_r1');
    for (const key of ['toolgate:response:resp_r1', 'toolgate:response-item:msg_resp_r1']) {
      const ttl = await admin.ttl(key);
      expect(ttl, key).toBeGreaterThan(100);
      expect(ttl, key).toBeLessThanOrEqual(120);
    }
    expect(await s.delete('resp_r1')).toBe(true);
    expect(await s.get('resp_r1')).toBeNull();
    expect(await admin.exists('toolgate:response-item:msg_resp_r1')).toBe(0);
    expect(await s.delete('resp_r1')).toBe(false);
  });

  it('answers 503 store_unavailable while Redis is down', async () => {
    const s = new RedisResponseStore(redis, 120);
    await server.stop();
    try {
      const err = await s.get('resp_x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ status: 503, code: 'store_unavailable' });
    } finally {
      await server.start();
    }
  });
});
