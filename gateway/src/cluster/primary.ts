// The primary process of `toolgate serve --workers N` (node:cluster): forks N workers that
// share the listening port (the primary hands connections round-robin), replaces a worker that
// dies, and stops them all gracefully on SIGTERM/SIGINT. It serves no request itself; the shared
// state it relays is in hub.ts. A worker that dies before any worker was ever ready means the
// gateway cannot start (port taken, bad TLS file, …): then everything stops with exit code 1
// instead of restarting in a loop.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../telemetry/log.js';
import { ClusterHub } from './hub.js';
import { isWorkerMessage, unbatch } from './messages.js';

export interface PrimaryOptions {
  workers: number;
  /** Extra environment for the workers (e.g. the built-in simulator's URLs). */
  workerEnv: Record<string, string>;
  rateLimit: { requestsPerMinute: number; burst: number } | null;
  /** How long workers may take to finish in-flight requests before they are killed. */
  shutdownGraceMs: number;
  log: Logger;
  /** Once, when all first-generation workers are ready. */
  onReady?(url: string): void;
}

/** First restart delay after a worker died young; doubled per early death, capped. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A worker that lived this long resets the restart delay. */
const HEALTHY_LIFETIME_MS = 10_000;

export const WORKER_INDEX_ENV = 'TOOLGATE_WORKER_INDEX';

/** Runs until shut down; resolves with the process exit code. */
export function runPrimary(opts: PrimaryOptions): Promise<number> {
  const { log } = opts;
  const hub = new ClusterHub({ rateLimit: opts.rateLimit }, log);
  const slots = new Map<number, { index: number; startedAt: number }>(); // worker id → slot
  let everReady = false;
  let readyCount = 0;
  let stopping = false;
  let restartDelay = 0;
  let exitCode = 0;

  const fork = (index: number) => {
    const worker = cluster.fork({ ...opts.workerEnv, [WORKER_INDEX_ENV]: String(index) });
    slots.set(worker.id, { index, startedAt: Date.now() });
    log.info('worker started', { worker: index, pid: worker.process.pid });
    return worker;
  };

  return new Promise<number>((resolve) => {
    const finish = () => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      hub.close();
      resolve(exitCode);
    };

    const stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { reason, workers: Object.keys(cluster.workers ?? {}).length });
      for (const w of Object.values(cluster.workers ?? {})) {
        if (!w) continue;
        if (w.isConnected()) w.send({ type: 'toolgate:shutdown' });
        else w.process.kill('SIGTERM');
      }
      // Whatever still runs after the grace period (plus time to close) is killed.
      setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      }, opts.shutdownGraceMs + 5_000).unref();
      finish();
    };

    cluster.on('message', (worker: Worker, received: unknown) => {
      if (!isWorkerMessage(received)) return;
      for (const msg of unbatch(received)) {
        if (msg.type === 'toolgate:ready') {
          hub.add(worker);
          readyCount++;
          if (!everReady && readyCount >= opts.workers) {
            everReady = true;
            log.info('gateway listening', { url: msg.url, workers: opts.workers });
            hub.everyoneStarted();
            opts.onReady?.(msg.url);
          }
          continue;
        }
        hub.handle(worker, msg);
      }
    });

    cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
      hub.remove(worker.id);
      const slot = slots.get(worker.id);
      slots.delete(worker.id);
      if (stopping) {
        finish();
        return;
      }
      if (!slot) return;
      if (!everReady) {
        log.error('a worker failed during start-up; stopping', { worker: slot.index, code, signal });
        exitCode = 1;
        stop('start-up failure');
        return;
      }
      const lived = Date.now() - slot.startedAt;
      restartDelay =
        lived >= HEALTHY_LIFETIME_MS ? 0 : Math.min(RESTART_MAX_MS, Math.max(RESTART_BASE_MS, restartDelay * 2));
      log.warn('worker exited; starting a new one', {
        worker: slot.index,
        pid: worker.process.pid,
        code,
        signal,
        livedMs: lived,
        restartInMs: restartDelay,
      });
      setTimeout(() => {
        if (!stopping) fork(slot.index);
      }, restartDelay);
    });

    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    for (let i = 0; i < opts.workers; i++) fork(i);
  });
}
