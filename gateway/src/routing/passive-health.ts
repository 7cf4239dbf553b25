// Passive health: what real traffic says about a backend. A refused connection ejects it at
// once (and marks its probe failed, so it returns only after /health answers again); other
// failures that indict the backend (reset, 5xx, timeouts) eject it after `threshold` in a row.
// Ejection time grows exponentially with ejections in a row (see circuit-breaker.ts).
import type { Backend } from './backend.js';
import type { FailureKind } from '../upstream/dispatch.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import { publishHealth } from './health.js';

export interface PassiveHealth {
  failure(backend: Backend, kind: FailureKind): void;
  success(backend: Backend): void;
}

/** Failures that say something about the backend (an abort or total deadline does not). */
const COUNTED: ReadonlySet<FailureKind> = new Set(['connect', 'reset', 'http_5xx', 'bad_response', 'upstream_error', 'timeout_first_token', 'timeout_idle']);

export function createPassiveHealth(metrics: Metrics, log: Logger): PassiveHealth {
  return {
    failure(backend, kind) {
      if (!COUNTED.has(kind)) return;
      const now = Date.now();
      let ejectedMs: number | null;
      if (kind === 'connect') {
        if (!backend.breaker.allows(now)) return;
        backend.probeOk = false;
        ejectedMs = backend.breaker.eject(now);
      } else ejectedMs = backend.breaker.failure(now);
      if (ejectedMs === null) return;
      publishHealth(metrics, backend);
      log.warn('backend ejected', { backend: backend.name, pool: backend.pool, kind, ejectedMs });
    },
    success(backend) {
      backend.breaker.success(Date.now());
    },
  };
}
