// The retry decision, kept pure: a request may move to another backend only for failures that say
// nothing about the request itself (connect error, reset, first-byte timeout, 5xx, an unreadable
// answer or an in-stream error), and only within the configured budget. It is only ever asked
// before the client's response starts (the exchanger starts it at the first output), so a
// failure after that point is never retried.
import type { FailureKind } from './dispatch.js';

const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  'connect',
  'reset',
  'timeout_first_token',
  'http_5xx',
  'bad_response',
  'upstream_error',
]);

export interface RetryState {
  /** Retries already made for this request. */
  retries: number;
  /** Configured retry budget (retry.attempts). */
  budget: number;
  /** Whether the client went away or the total deadline passed. */
  cancelled: boolean;
}

export function shouldRetry(failure: FailureKind, state: RetryState): boolean {
  return !state.cancelled && state.retries < state.budget && RETRYABLE.has(failure);
}
