// Builds RunResults from synthetic request outputs (through the real metrics code), for the
// report and recommendation tests that need a full matrix without running one.
import { computeCellMetrics } from '../../src/runner/metrics.js';
import type { CellResult, RequestOutput, RunConfig, RunResults, ServerSettings } from '../../src/runner/types.js';

export interface CellShape {
  /** Every request's TTFT (ms): so P95 = this value exactly. */
  ttftMs: number;
  /** Requests per second the cell completed. */
  reqPerS: number;
  failed?: number;
}

export function syntheticCell(
  target: ServerSettings,
  ctx: number,
  c: number,
  shape: CellShape,
  outputTokens = 64,
): CellResult {
  const n = 20;
  const durationS = n / shape.reqPerS;
  const outputs: RequestOutput[] = Array.from({ length: n }, (_, i) => ({
    success: i >= (shape.failed ?? 0),
    startS: (i / n) * durationS,
    ttftS: shape.ttftMs / 1000,
    latencyS: shape.ttftMs / 1000 + 0.01 * (outputTokens - 1),
    itlS: Array.from({ length: outputTokens - 1 }, () => 0.01),
    promptTokens: ctx,
    outputTokens,
    chunks: outputTokens,
    toolCallOutcome: i % 4 === 0 ? 'raw_text' : 'tool_calls',
    ...(i < (shape.failed ?? 0)
      ? { error: { kind: 'http_5xx' as const, status: 503, code: 'overloaded', message: 'busy' } }
      : {}),
  }));
  return {
    targetLabel: target.label,
    targetUrl: target.target,
    concurrency: c,
    contextTokens: ctx,
    promptTokensMeasured: ctx,
    promptTokensMethod: 'tokenize',
    toolsPerPrompt: 4,
    metrics: computeCellMetrics(outputs, durationS, { ttftMs: 500 }),
    server: [
      {
        name: 'kv_cache_usage_perc',
        query: 'avg(vllm:kv_cache_usage_perc)',
        absent: false,
        mean: 0.1 * c,
        max: 0.12 * c,
        last: 0.1,
        samples: 3,
      },
      {
        name: 'gpu_utilization_pct',
        query: 'avg(DCGM_FI_DEV_GPU_UTIL)',
        absent: true,
        reason: 'no data for this series',
      },
    ],
  };
}

export function syntheticConfig(
  targets: ServerSettings[],
  concurrency: number[],
  contextTokens: number[],
  ttftP95TargetMs: number,
): RunConfig {
  return {
    model: 'qwen3-0.6b',
    targets,
    concurrency,
    contextTokens,
    requestsPerCell: 20,
    durationS: null,
    warmupRequests: 2,
    maxTokens: 64,
    requestRate: Infinity,
    burstiness: 1,
    seed: 0,
    tools: true,
    goodput: { ttftMs: 500 },
    ttftP95TargetMs,
    prometheusUrl: 'http://127.0.0.1:9090',
    prometheusIntervalS: 1,
    timeoutS: 60,
  };
}

/** A matrix whose TTFT grows with concurrency × context and whose throughput saturates. */
export function syntheticResults(targets: ServerSettings[], speed: Record<string, number> = {}): RunResults {
  const concurrency = [1, 2, 4, 8, 16];
  const contexts = [256, 1024, 4096];
  const cells: CellResult[] = [];
  for (const t of targets) {
    const k = speed[t.label] ?? 1;
    for (const ctx of contexts)
      for (const c of concurrency)
        cells.push(
          syntheticCell(t, ctx, c, {
            ttftMs: (20 + (c * ctx) / 40) / k,
            reqPerS: k * Math.min(c, 8) * (2048 / (ctx + 1024)),
          }),
        );
  }
  return {
    tool: 'toolgate-loadtest',
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    config: syntheticConfig(targets, concurrency, contexts, 500),
    cells,
    problems: [],
  };
}
