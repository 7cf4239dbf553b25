// In-memory token buckets, one per key: the limiter used without Redis and the fallback while
// Redis is unreachable. Same arithmetic as the Lua script in redis-rate-limiter.ts.

export interface TakeResult {
  allowed: boolean;
  /** Whole seconds until one token is available (0 when allowed). */
  retryAfterS: number;
  /** Tokens left after this request, rounded down. */
  remaining: number;
}

export interface RateLimiter {
  take(key: string): Promise<TakeResult>;
  /** Requests per minute and bucket size, for response headers. */
  readonly limit: { requestsPerMinute: number; burst: number };
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Refills `b` to `now` and tries to take one token; pure apart from mutating the bucket. */
export function takeToken(b: Bucket, now: number, ratePerMs: number, burst: number): TakeResult {
  b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) * ratePerMs);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return { allowed: true, retryAfterS: 0, remaining: Math.floor(b.tokens) };
  }
  return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000)), remaining: 0 };
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;
  private lastSweep = 0;

  constructor(
    readonly limit: { requestsPerMinute: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {
    this.ratePerMs = limit.requestsPerMinute / 60_000;
  }

  async take(key: string): Promise<TakeResult> {
    return this.takeSync(key);
  }

  takeSync(key: string): TakeResult {
    const now = this.now();
    this.sweep(now);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, b);
    }
    return takeToken(b, now, this.ratePerMs, this.limit.burst);
  }

  /** Forgets buckets that have refilled completely, so memory stays bounded by active keys. */
  private sweep(now: number): void {
    const full = this.limit.burst / this.ratePerMs;
    if (now - this.lastSweep < Math.min(full, 60_000)) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(k);
  }
}
