// Placements under `serve --workers N` (cluster/worker-link.ts, cluster/hub.ts): the questions a
// worker asks in one event-loop turn reach the primary as one IPC message and come back as one,
// each answered under its own id and counted where it landed. A real cluster worker (the
// gateway's WorkerLink on a Router) talks to a real ClusterHub here, over Node's IPC channel.
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterHub } from '../../src/cluster/hub.js';
import { isWorkerMessage, unbatch, type WorkerMessage } from '../../src/cluster/messages.js';
import { capFor } from '../../src/routing/pick/bounded-load.js';
import { createLogger } from '../../src/telemetry/log.js';
import { REPO_ROOT } from '../helpers/net.js';

const PODS = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'];

interface Result {
  placed: Array<string | null>;
  inflight: Record<string, number>;
}

describe('placement questions across the cluster channel', () => {
  let worker: Worker;
  const hub = new ClusterHub({ rateLimit: null }, createLogger({}, 'silent'));
  const received: WorkerMessage[] = [];
  let writes = 0; // IPC messages from the worker's link (a turn's batch counts once)
  let onResult: ((r: Result) => void) | null = null;

  beforeAll(async () => {
    cluster.setupPrimary({
      exec: path.join(REPO_ROOT, 'gateway/test/fixtures/cluster/placing-worker.ts'),
      execArgv: ['--import', 'tsx'],
      silent: false,
    });
    worker = cluster.fork();
    await new Promise<void>((resolve, reject) => {
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      worker.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) {
          onResult?.(m as Result);
          return;
        }
        writes++;
        for (const one of unbatch(m)) {
          received.push(one);
          if (one.type === 'toolgate:ready') {
            hub.add(worker);
            resolve();
          } else hub.handle(worker, one);
        }
      });
    });
  });

  afterAll(() => {
    hub.close();
    worker?.removeAllListeners('exit');
    worker?.kill();
  });

  const place = (n: number) =>
    new Promise<Result>((resolve) => {
      onResult = resolve;
      worker.send(`place ${n}`);
    });
  const asks = () => received.filter((m) => m.type === 'toolgate:asks');

  it('sends a turn’s placements as one message and counts each where the primary put it', async () => {
    const before = asks().length;
    const writesBefore = writes;
    const r = await place(8);
    const sent = asks().slice(before);
    expect(sent).toHaveLength(1);
    // The questions in one message, then the counts they left in one report: two writes, not nine.
    expect(writes - writesBefore).toBeLessThanOrEqual(2);
    expect(sent[0]!.type === 'toolgate:asks' && sent[0]!.asks.map((a) => a.op)).toEqual(Array(8).fill('place'));
    const ids = sent[0]!.type === 'toolgate:asks' ? sent[0]!.asks.map((a) => a.id) : [];
    expect(new Set(ids).size).toBe(8);
    // The primary walked them one at a time on its counts: the same ranking spread over the pods.
    const per = PODS.map((u) => r.placed.filter((p) => p === u).length);
    expect(per.reduce((a, b) => a + b, 0)).toBe(8);
    expect(Math.max(...per)).toBeLessThanOrEqual(capFor(7, PODS.length, 0.25));
    expect(Math.min(...per)).toBeGreaterThan(0);
    // Each answer was applied to the backend it names.
    expect(PODS.map((u) => r.inflight[u])).toEqual(per);
  });

  it('answers a lone question in a turn of its own, on the counts the last burst left', async () => {
    const before = asks().length;
    const r = await place(1);
    expect(asks().slice(before)).toHaveLength(1);
    const total = Object.values(r.inflight).reduce((a, b) => a + b, 0);
    expect(total).toBe(9);
    expect(Math.max(...Object.values(r.inflight))).toBeLessThanOrEqual(capFor(8, PODS.length, 0.25));
  });
});
