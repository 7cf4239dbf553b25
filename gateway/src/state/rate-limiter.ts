// Picks the rate limiter for a config: none (requestsPerMinute 0), shared Redis buckets when a
// Redis client is given, else this replica's in-memory buckets.
import type { Redis } from 'ioredis';
import type { Logger } from '../telemetry/log.js';
import type { RateLimitConfig } from './config.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { MemoryRateLimiter, type RateLimiter } from './token-bucket.js';

export type { RateLimiter } from './token-bucket.js';

export function createRateLimiter(
  cfg: RateLimitConfig,
  deps: { redis?: Redis | null; logger?: Logger } = {},
): RateLimiter | null {
  if (cfg.requestsPerMinute <= 0) return null;
  const limit = { requestsPerMinute: cfg.requestsPerMinute, burst: cfg.burst };
  if (deps.redis) return new RedisRateLimiter(deps.redis, { ...limit, logger: deps.logger });
  return new MemoryRateLimiter(limit);
}
