// Minimal HTTP load generation for the benchmarks: open-loop (fixed rate) and closed-loop
// (fixed concurrency) drivers over one undici pool, returning per-request latencies in ms.
import { Pool } from 'undici';

export interface LoadResult {
  latenciesMs: number[];
  errors: number;
  wallMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarize(latencies: number[]) {
  const s = [...latencies].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

async function once(pool: Pool, path: string, body: string): Promise<number | null> {
  const t0 = performance.now();
  try {
    const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body });
    await res.body.text();
    return res.statusCode === 200 ? performance.now() - t0 : null;
  } catch {
    return null;
  }
}

/** Sends `count` requests at `rate` per second regardless of completions (no coordinated omission). */
export async function openLoop(
  baseUrl: string,
  path: string,
  body: string,
  rate: number,
  count: number,
  connections = 256,
): Promise<LoadResult> {
  const pool = new Pool(baseUrl, { connections, pipelining: 1 });
  const latenciesMs: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      once(pool, path, body).then((ms) => {
        if (ms === null) errors++;
        else latenciesMs.push(ms);
      }),
    );
  }
  await Promise.all(inflight);
  const wallMs = performance.now() - started;
  await pool.close();
  return { latenciesMs, errors, wallMs };
}

/** `concurrency` clients each sending requests back to back until `count` are done. */
export async function closedLoop(
  baseUrl: string,
  path: string,
  body: string,
  concurrency: number,
  count: number,
): Promise<LoadResult> {
  const pool = new Pool(baseUrl, { connections: concurrency, pipelining: 1 });
  const latenciesMs: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        issued++;
        const ms = await once(pool, path, body);
        if (ms === null) errors++;
        else latenciesMs.push(ms);
      }
    }),
  );
  const wallMs = performance.now() - started;
  await pool.close();
  return { latenciesMs, errors, wallMs };
}
