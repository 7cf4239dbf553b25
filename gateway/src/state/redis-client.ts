// One way to build the gateway's Redis client. Settings chosen so that Redis can never stall a
// request: no offline queue (commands fail at once while disconnected instead of piling up), a
// per-command timeout, and endless background reconnects with capped back-off.
import { Redis } from 'ioredis';
import type { Logger } from '../telemetry/log.js';

export interface RedisClientOptions {
  commandTimeoutMs?: number;
  logger?: Logger;
  /** Name shown in CLIENT LIST (helps when several replicas share one Redis). */
  connectionName?: string;
}

export function createRedisClient(url: string, opts: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: 2000,
    connectionName: opts.connectionName ?? 'toolgate',
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    lazyConnect: false,
  });
  // Without a listener ioredis prints every failed reconnect; log state changes once each instead.
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    opts.logger?.warn('redis: connection lost', { err: err.message });
  });
  client.on('ready', () => {
    if (down) opts.logger?.info('redis: connected again');
    down = false;
  });
  return client;
}

/** Resolves when the client is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(t);
      resolve();
    };
    client.once('ready', onReady);
  });
}
