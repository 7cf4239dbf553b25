// Server-side readings during a cell, through Prometheus's HTTP API (`/api/v1/query`). Gauges
// are sampled every interval and summarised; the gateway-overhead histogram is read once at the
// end as a rate over the cell. A series with no data is reported as absent, never as an error.
import { request } from 'undici';
import type { ServerReading } from './types.js';

export interface SeriesQuery {
  name: string;
  query: string;
}

/** Gauges sampled during the cell (DCGM exporter and vLLM V1 names). */
export const GAUGE_QUERIES: readonly SeriesQuery[] = [
  { name: 'gpu_utilization_pct', query: 'avg(DCGM_FI_DEV_GPU_UTIL)' },
  { name: 'gpu_memory_used_mib', query: 'sum(DCGM_FI_DEV_FB_USED)' },
  { name: 'kv_cache_usage_perc', query: 'avg(vllm:kv_cache_usage_perc)' },
  { name: 'requests_waiting', query: 'sum(vllm:num_requests_waiting)' },
  { name: 'requests_running', query: 'sum(vllm:num_requests_running)' },
];

/** Histogram readings over the cell's window (seconds → ms). `$W` is replaced by the window. */
export const WINDOW_QUERIES: readonly SeriesQuery[] = [
  {
    name: 'gateway_overhead_p95_ms',
    query: '1000 * histogram_quantile(0.95, sum by (le) (rate(toolgate_gateway_overhead_seconds_bucket[$W])))',
  },
  {
    name: 'gateway_overhead_mean_ms',
    query:
      '1000 * sum(rate(toolgate_gateway_overhead_seconds_sum[$W])) / sum(rate(toolgate_gateway_overhead_seconds_count[$W]))',
  },
];

export type QueryResult = { ok: true; value: number | null } | { ok: false; error: string };

/** Instant query; `value` is null when the result is empty (series absent) or NaN. */
export async function queryPrometheus(baseUrl: string, query: string, timeoutMs = 5000): Promise<QueryResult> {
  try {
    const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
    const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    const body = JSON.parse(text) as {
      status?: string;
      error?: string;
      data?: { resultType?: string; result?: unknown };
    };
    if (body.status !== 'success') return { ok: false, error: body.error ?? `HTTP ${res.statusCode}` };
    const result = body.data?.result;
    let raw: unknown;
    if (body.data?.resultType === 'scalar' && Array.isArray(result)) raw = result[1];
    else if (Array.isArray(result) && result.length > 0) raw = (result[0] as { value?: [number, string] }).value?.[1];
    const v = raw === undefined ? null : Number(raw);
    return { ok: true, value: v === null || Number.isNaN(v) ? null : v };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export interface Sampler {
  stop(): Promise<ServerReading[]>;
}

/** Starts sampling the gauges now; `stop()` adds the window readings and returns everything. */
export function startSampler(
  baseUrl: string,
  intervalS: number,
  queries: readonly SeriesQuery[] = GAUGE_QUERIES,
): Sampler {
  const started = Date.now();
  const samples = new Map<string, number[]>(queries.map((q) => [q.name, []]));
  const errors = new Map<string, string>();
  let inFlight: Promise<void> = Promise.resolve();
  const sampleOnce = async () => {
    await Promise.all(
      queries.map(async (q) => {
        const r = await queryPrometheus(baseUrl, q.query);
        if (!r.ok) errors.set(q.name, r.error);
        else if (r.value !== null) samples.get(q.name)?.push(r.value);
      }),
    );
  };
  inFlight = sampleOnce();
  const timer = setInterval(
    () => {
      inFlight = inFlight.then(sampleOnce);
    },
    Math.max(100, intervalS * 1000),
  );

  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      await sampleOnce(); // one reading at the very end, so short cells get at least two
      const readings: ServerReading[] = queries.map((q) =>
        summariseSamples(q, samples.get(q.name) ?? [], errors.get(q.name)),
      );
      const windowS = Math.max(2, Math.ceil((Date.now() - started) / 1000));
      for (const q of WINDOW_QUERIES) {
        const query = q.query.replaceAll('$W', `${windowS}s`);
        const r = await queryPrometheus(baseUrl, query);
        readings.push(
          r.ok && r.value !== null
            ? { name: q.name, query, absent: false, mean: r.value, max: r.value, last: r.value, samples: 1 }
            : {
                name: q.name,
                query,
                absent: true,
                reason: r.ok ? 'no data for this series' : `query failed: ${r.error}`,
              },
        );
      }
      return readings;
    },
  };
}

function summariseSamples(q: SeriesQuery, xs: number[], error: string | undefined): ServerReading {
  if (xs.length === 0)
    return {
      name: q.name,
      query: q.query,
      absent: true,
      reason: error ? `query failed: ${error}` : 'no data for this series',
    };
  return {
    name: q.name,
    query: q.query,
    absent: false,
    mean: xs.reduce((s, x) => s + x, 0) / xs.length,
    max: Math.max(...xs),
    last: xs[xs.length - 1] as number,
    samples: xs.length,
  };
}
