// Passive ejection as a small, metrics-free state machine (time is passed in, so it is pure and
// testable): `threshold` consecutive failures eject a backend for base·2^(k−1) ms (k = ejections
// in a row, capped at maxMs). When that time has passed the backend is re-admitted on probation:
// one more failure ejects it again at once, with the next longer backoff; a success closes the
// breaker and forgets the history.

export interface BreakerOptions {
  threshold: number;
  baseMs: number;
  maxMs: number;
}

export type BreakerState = 'closed' | 'open' | 'probation';

export class CircuitBreaker {
  private failures = 0;
  private ejections = 0;
  private openUntil = 0;

  constructor(private readonly opts: BreakerOptions) {}

  state(now: number): BreakerState {
    if (this.ejections === 0) return 'closed';
    return now < this.openUntil ? 'open' : 'probation';
  }

  /** Whether traffic may go to the backend now. */
  allows(now: number): boolean {
    return now >= this.openUntil;
  }

  /** Records a failure; returns the ejection time in ms when this failure ejected the backend. */
  failure(now: number): number | null {
    if (!this.allows(now)) return null; // already out; late failures of old requests do not extend it
    this.failures++;
    if (this.ejections > 0 || this.failures >= this.opts.threshold) return this.eject(now);
    return null;
  }

  /** Ejects at once (e.g. the backend refused a connection). */
  eject(now: number): number {
    this.ejections++;
    this.failures = 0;
    const ms = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (this.ejections - 1));
    this.openUntil = now + ms;
    return ms;
  }

  success(now: number): void {
    if (!this.allows(now)) return;
    this.failures = 0;
    this.ejections = 0;
  }

  /** When the current ejection ends (ms timestamp; 0 when never ejected). */
  get until(): number {
    return this.openUntil;
  }
}
