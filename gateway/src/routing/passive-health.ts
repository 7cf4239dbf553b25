// Passive health: what real traffic says about a backend. A connect failure takes the backend out
// of rotation at once; the active prober re-admits it when /health answers again.
import type { Backend } from './backend.js';
import type { FailureKind } from '../upstream/dispatch.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';

export interface PassiveHealth {
  failure(backend: Backend, kind: FailureKind): void;
  success(backend: Backend): void;
}

export function createPassiveHealth(metrics: Metrics, log: Logger): PassiveHealth {
  return {
    failure(backend, kind) {
      if (kind !== 'connect' || !backend.healthy) return;
      backend.healthy = false;
      metrics.backendHealthy.set({ backend: backend.name, pool: backend.pool }, 0);
      log.warn('backend ejected after connect failure', { backend: backend.name });
    },
    success() {},
  };
}
