// Passive health: what real traffic says about a backend, read so that a client cannot game it.
// A refused connection ejects a backend at once (and marks its probe failed, so it returns only
// after /health answers again): no request causes that. Every other failure (reset, 5xx,
// first-token/idle timeout) may be the request's own doing (a body the engine chokes on), so it is
// judged by what the same request did elsewhere:
//   • it failed on another backend too   → the request's fault: counts against neither;
//   • it then succeeded on another backend → the first backend's fault: counts;
//   • no other backend was tried           → counts (one exchange, one failure), so a pod must
//     fail several different requests in a row before it is ejected.
// Counted failures feed the backend's circuit breaker (`threshold` in a row eject it, with
// exponential backoff: circuit-breaker.ts). Failures of an exchange that will retry are held
// until its next attempt tells which case it is. When too much of a pool is ejected anyway, the
// pool routes to all of it (panic threshold, pool.ts).
import type { Backend } from './backend.js';
import type { FailureKind } from '../upstream/dispatch.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import { publishHealth } from './health.js';

/** One attempt of one client exchange. */
export interface Attempt {
  /** Identity of the exchange: one object per client request (never a client-supplied id). */
  request: object;
  /** After a failure: whether the exchange goes on to try another backend. */
  retrying?: boolean;
}

export interface PassiveHealth {
  /** An attempt failed on `backend` before or while answering. */
  failure(backend: Backend, kind: FailureKind, attempt: Attempt): void;
  /** An attempt got a complete answer (any status below 500) from `backend`. */
  success(backend: Backend, attempt: Attempt): void;
}

/** Failures that may say something about the backend (an abort or total deadline does not). */
const COUNTED: ReadonlySet<FailureKind> = new Set([
  'connect',
  'reset',
  'http_5xx',
  'bad_response',
  'upstream_error',
  'timeout_first_token',
  'timeout_idle',
]);

interface HeldFailure {
  backend: Backend;
  kind: FailureKind;
}

export function createPassiveHealth(metrics: Metrics, log: Logger): PassiveHealth {
  // Failures of exchanges that are retrying, until their next attempt settles them. Keyed by the
  // exchange object, so an exchange that ends without another report leaves nothing behind.
  const held = new WeakMap<object, HeldFailure[]>();

  const count = (backend: Backend, kind: FailureKind) => {
    const ejectedMs = backend.breaker.failure(Date.now());
    if (ejectedMs === null) return;
    publishHealth(metrics, backend);
    log.warn('backend ejected', { backend: backend.name, pool: backend.pool, kind, ejectedMs });
  };

  return {
    failure(backend, kind, attempt) {
      if (!COUNTED.has(kind)) return;
      if (kind === 'connect') {
        const now = Date.now();
        if (!backend.breaker.allows(now)) return;
        backend.probeOk = false;
        const ejectedMs = backend.breaker.eject(now);
        publishHealth(metrics, backend);
        log.warn('backend ejected', { backend: backend.name, pool: backend.pool, kind, ejectedMs });
        return;
      }
      const earlier = held.get(attempt.request) ?? [];
      if (earlier.some((f) => f.backend !== backend)) {
        // The same request failed on two backends: it is the request, not the pods.
        held.delete(attempt.request);
        log.debug('request failed on more than one backend; not counted against them', {
          backends: [...new Set([...earlier.map((f) => f.backend.name), backend.name])],
          kind,
        });
        return;
      }
      if (attempt.retrying) {
        held.set(attempt.request, [...earlier, { backend, kind }]);
        return;
      }
      held.delete(attempt.request);
      count(backend, kind);
    },
    success(backend, attempt) {
      const earlier = held.get(attempt.request);
      if (earlier) {
        held.delete(attempt.request);
        // Another backend answered the request these failed: the failures were theirs.
        for (const f of earlier) if (f.backend !== backend) count(f.backend, f.kind);
      }
      backend.breaker.success(Date.now());
    },
  };
}
