// Engine load from each backend's own /metrics, by the backend's kind (engine-kind.ts): vLLM's
// vllm:num_requests_running, _waiting and kv_cache_usage_perc, or llama-server's
// llamacpp:requests_processing and requests_deferred, summed over the label sets a server exports
// (one per engine/model). A backend whose kind is not known yet is read with both maps. Scrape
// failures leave the last value for one interval and then clear it, so a stale figure never
// steers routing for long.
import { request } from 'undici';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import type { Backend, EngineLoad } from './backend.js';
import { LOAD_SIGNALS, type EngineKind } from './engine-kind.js';

const ANY_KIND: Readonly<Record<string, keyof EngineLoad>> = { ...LOAD_SIGNALS.vllm, ...LOAD_SIGNALS.llamacpp };

/** Reads the load gauges of `kind` (any kind when null) from Prometheus text exposition; null when none is present. */
export function parseEngineLoad(text: string, kind: EngineKind | null = null): EngineLoad | null {
  const signals = kind ? LOAD_SIGNALS[kind] : ANY_KIND;
  const load: EngineLoad = { running: 0, waiting: 0, kvCacheUsage: 0 };
  let kvSeries = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.length === 0 || line[0] === '#') continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const name = line.slice(0, brace >= 0 && brace < space ? brace : space);
    const key = Object.hasOwn(signals, name) ? signals[name] : undefined;
    if (!key) continue;
    const rest = line.slice(brace >= 0 && brace < space ? line.indexOf('}', brace) + 1 : space).trim();
    const value = Number(rest.split(/\s+/)[0]);
    if (!Number.isFinite(value)) continue;
    found = true;
    load[key] += value;
    if (key === 'kvCacheUsage') kvSeries++;
  }
  if (kvSeries > 1) load.kvCacheUsage /= kvSeries; // a fraction per engine: report the mean
  return found ? load : null;
}

export class LoadScraper {
  private timer: NodeJS.Timeout | null = null;
  private readonly misses = new Map<Backend, number>();

  constructor(
    private readonly backends: () => Backend[],
    private readonly opts: { intervalMs: number; timeoutMs: number },
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer || this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.scrapeAll(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async scrapeAll(): Promise<void> {
    await Promise.all(this.backends().map((b) => this.scrape(b)));
  }

  async scrape(backend: Backend): Promise<EngineLoad | null> {
    let load: EngineLoad | null = null;
    try {
      const res = await request(`${backend.url}/metrics`, {
        dispatcher: backend.dispatcher,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode === 200) load = parseEngineLoad(text, backend.kind);
    } catch (err) {
      this.log.debug('metrics scrape failed', { backend: backend.name, err });
    }
    if (load) {
      this.misses.delete(backend);
      backend.engine = load;
      this.metrics.backendLoad.set({ backend: backend.name, signal: 'running' }, load.running);
      this.metrics.backendLoad.set({ backend: backend.name, signal: 'waiting' }, load.waiting);
      this.metrics.backendLoad.set({ backend: backend.name, signal: 'kv_cache_usage' }, load.kvCacheUsage);
    } else {
      const misses = (this.misses.get(backend) ?? 0) + 1;
      this.misses.set(backend, misses);
      if (misses >= 2) backend.engine = null;
    }
    return load;
  }
}
