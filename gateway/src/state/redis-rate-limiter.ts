// Token buckets shared by every replica: one Redis hash per key, refilled and decremented by one
// atomic Lua script that reads the clock from Redis itself (TIME), so replicas with skewed clocks
// still agree. Outage policy: fall back to the in-memory bucket of this replica (limits stay
// enforced, per replica, rather than failing open); logged once when the outage starts and once
// when it ends. Keys are already hashed API-key ids; raw keys never reach Redis.
import type { Redis } from 'ioredis';
import type { Logger } from '../telemetry/log.js';
import { MemoryRateLimiter, type RateLimiter, type TakeResult } from './token-bucket.js';

const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then tokens = burst; at = now end
local elapsed = now - at
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate / 1000)
  if retry < 1 then retry = 1 end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, retry, math.floor(tokens)}
`;

type TakeCommand = (key: string, ratePerMs: string, burst: number) => Promise<[number, number, number]>;

export interface RedisRateLimiterOptions {
  requestsPerMinute: number;
  burst: number;
  keyPrefix?: string;
  logger?: Logger;
}

export class RedisRateLimiter implements RateLimiter {
  readonly limit: { requestsPerMinute: number; burst: number };
  private readonly fallback: MemoryRateLimiter;
  private readonly prefix: string;
  private readonly ratePerMs: string;
  private outage = false;
  /** Requests decided by the in-memory fallback (for tests and diagnostics). */
  fallbackDecisions = 0;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisRateLimiterOptions,
  ) {
    this.limit = { requestsPerMinute: opts.requestsPerMinute, burst: opts.burst };
    this.fallback = new MemoryRateLimiter(this.limit);
    this.prefix = opts.keyPrefix ?? 'toolgate:ratelimit:';
    this.ratePerMs = String(opts.requestsPerMinute / 60_000);
    if (!('toolgateTakeToken' in redis))
      redis.defineCommand('toolgateTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async take(key: string): Promise<TakeResult> {
    // Not connected: decide locally at once instead of waiting for a command to fail.
    if (this.redis.status !== 'ready') return this.local(key, new Error(`redis connection is ${this.redis.status}`));
    try {
      const cmd = (this.redis as unknown as { toolgateTakeToken: TakeCommand }).toolgateTakeToken;
      const [allowed, retry, remaining] = await cmd.call(
        this.redis,
        this.prefix + key,
        this.ratePerMs,
        this.opts.burst,
      );
      if (this.outage) {
        this.outage = false;
        this.opts.logger?.info('rate limit: redis reachable again, shared buckets in use');
      }
      return { allowed: allowed === 1, retryAfterS: retry, remaining };
    } catch (err) {
      return this.local(key, err);
    }
  }

  private local(key: string, err: unknown): TakeResult {
    if (!this.outage) {
      this.outage = true;
      this.opts.logger?.warn('rate limit: redis unreachable, using per-replica in-memory buckets', { err });
    }
    this.fallbackDecisions++;
    return this.fallback.takeSync(key);
  }
}
