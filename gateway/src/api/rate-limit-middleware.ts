// Per-caller token-bucket rate limit. The caller is the API key id set by apiKeyAuth (mount this
// after it) or, without auth, the client's address. Allowed requests carry OpenAI's
// `x-ratelimit-limit-requests` / `x-ratelimit-remaining-requests` headers; refused ones get 429 in
// OpenAI's shape (code `rate_limit_exceeded`) with `Retry-After` in whole seconds.
import type { Context, MiddlewareHandler, Next } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { RateLimiter } from '../state/token-bucket.js';
import type { Metrics } from '../telemetry/metrics.js';
import { GatewayError } from './errors.js';
import { nextWithHeaders } from './response-headers.js';

export interface RateLimitOptions {
  /** null = no limit configured: the middleware is a no-op. */
  limiter: RateLimiter | null;
  metrics?: Pick<Metrics, 'rateLimited'>;
  /** Bucket key for a request; default: `key:<apiKeyId>` or `ip:<remote address>`. */
  keyOf?: (c: Context) => string;
  skip?: (c: Context) => boolean;
}

export function defaultRateLimitKey(c: Context): string {
  const id = c.get('apiKeyId');
  if (id) return `key:${id}`;
  try {
    const addr = getConnInfo(c).remote.address;
    if (addr) return `ip:${addr}`;
  } catch {
    // Not running under @hono/node-server (e.g. app.request() in tests): one shared bucket.
  }
  return 'anonymous';
}

export const rateLimit = (opts: RateLimitOptions): MiddlewareHandler =>
  async function rateLimit(c: Context, next: Next) {
    const limiter = opts.limiter;
    if (!limiter || opts.skip?.(c)) return next();
    const r = await limiter.take((opts.keyOf ?? defaultRateLimitKey)(c));
    const limitHeader = String(limiter.limit.requestsPerMinute);
    if (!r.allowed) {
      opts.metrics?.rateLimited.inc();
      const err = new GatewayError(
        429,
        `Rate limit reached: ${limiter.limit.requestsPerMinute} requests per minute (burst ${limiter.limit.burst}). Retry after ${r.retryAfterS} s.`,
        { code: 'rate_limit_exceeded' },
      );
      return c.json(err.toBody(), 429, {
        'Retry-After': String(r.retryAfterS),
        'x-ratelimit-limit-requests': limitHeader,
        'x-ratelimit-remaining-requests': '0',
      });
    }
    return nextWithHeaders(
      c,
      { 'x-ratelimit-limit-requests': limitHeader, 'x-ratelimit-remaining-requests': String(r.remaining) },
      next,
    );
  };
