// Keeps a pool equal to the ready endpoints of the EndpointSlices matching a label selector:
// list, then watch from the list's resourceVersion; on a closed watch, resume from the last
// version seen; on 410 Gone (version too old) or any error, list again after a backoff. Every
// change is applied to the pool at once — no restart needed.
import type { Logger } from '../../telemetry/log.js';
import type { KubernetesDiscoveryConfig } from '../config.js';
import type { Pool } from '../pool.js';
import { endpointsFromSlices, type EndpointSlice, type SliceSelection } from './endpoint-slices.js';
import { KubernetesApi, KubernetesApiError } from './kubernetes-api.js';

const MAX_RETRY_MS = 30_000;

export class KubernetesDiscovery {
  private readonly api: KubernetesApi;
  private readonly slices = new Map<string, EndpointSlice>();
  private readonly selection: SliceSelection;
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;
  /** Number of list/watch updates applied (tests wait on it). */
  updates = 0;

  constructor(
    private readonly pool: Pool,
    private readonly cfg: KubernetesDiscoveryConfig,
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.api = new KubernetesApi({ apiUrl: cfg.apiUrl, tokenPath: cfg.tokenPath, caPath: cfg.caPath, env });
    this.selection = { port: cfg.port, portName: cfg.portName, scheme: cfg.scheme ?? 'http' };
  }

  /** Lists once (so the pool is filled before traffic when the API answers), then watches in the background. */
  async start(): Promise<void> {
    let version: string | null = null;
    try {
      version = await this.list();
    } catch (err) {
      this.log.error('kubernetes discovery: initial list failed; retrying in the background', {
        pool: this.pool.name,
        err: (err as Error).message,
      });
    }
    this.loop = this.run(version);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop?.catch(() => undefined);
    await this.api.close();
  }

  private async list(): Promise<string> {
    const list = await this.api.listEndpointSlices(this.cfg.namespace, this.cfg.labelSelector, this.controller.signal);
    this.slices.clear();
    for (const s of list.items) this.slices.set(s.metadata.name, s);
    this.apply();
    return list.metadata.resourceVersion;
  }

  private apply(): void {
    const endpoints = endpointsFromSlices(this.slices.values(), this.selection);
    const diff = this.pool.sync(endpoints);
    this.updates++;
    if (diff.added + diff.removed + diff.changed > 0) {
      this.log.info('kubernetes discovery: pool changed', {
        pool: this.pool.name,
        ...diff,
        ready: endpoints.filter((e) => e.ready).length,
      });
    }
  }

  private async run(initialVersion: string | null): Promise<void> {
    let version = initialVersion;
    let delay = this.cfg.retryMs ?? 1_000;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        if (version === null) version = await this.list();
        let events = 0;
        for await (const ev of this.api.watchEndpointSlices(
          this.cfg.namespace,
          this.cfg.labelSelector,
          version,
          signal,
        )) {
          if (ev.type === 'ERROR') {
            const status = ev.object as { code?: number; message?: string };
            throw new KubernetesApiError(`watch error: ${status.message ?? 'unknown'}`, status.code ?? 500);
          }
          events++;
          const obj = ev.object as EndpointSlice;
          if (obj.metadata?.resourceVersion) version = obj.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') continue;
          if (ev.type === 'DELETED') this.slices.delete(obj.metadata.name);
          else this.slices.set(obj.metadata.name, obj);
          this.apply();
          delay = this.cfg.retryMs ?? 1_000;
        }
        // The server closed the watch (timeoutSeconds): resume from the last version, pausing
        // first if it closed without news so that a misbehaving server cannot spin this loop.
        if (events === 0) await new Promise((r) => setTimeout(r, delay).unref());
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof KubernetesApiError && err.status === 410) {
          version = null; // too old: relist at once
          continue;
        }
        version = null;
        this.log.warn('kubernetes discovery: list/watch failed', {
          pool: this.pool.name,
          err: (err as Error).message,
          retryMs: delay,
        });
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(MAX_RETRY_MS, delay * 2);
      }
    }
  }
}
