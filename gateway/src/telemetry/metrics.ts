// The one catalogue of Toolgate's own Prometheus metrics: every name, help text, label set and
// bucket layout lives here, and modules record through the typed functions below (never by
// creating metrics of their own). Label values are bounded: backends and models come from
// config/discovery, reasons/kinds/outcomes from closed sets. The classes are prom-client's with a
// fast path for the calls requests make (fast-metrics.ts). Under `serve --workers N` /metrics
// aggregates every worker's registry (cluster/hub.ts): counters and histograms add up, gauges
// add up unless they say otherwise (`aggregator`).
import { Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter as Counter, FastGauge as Gauge, FastHistogram as Histogram } from './fast-metrics.js';

/** vLLM's TTFT edges (shared/README §3) with finer low buckets for the gateway's own latency. */
export const TTFT_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160,
  640, 2560,
];
/** vLLM's inter-token latency edges, plus 1 ms and 5 ms below them. */
export const ITL_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
/** vLLM's e2e request latency edges. */
export const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];
/** Gateway overhead and validation time: microseconds to tens of milliseconds. */
export const OVERHEAD_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25,
];
const PREFIX_BLOCK_BUCKETS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

export function createMetrics(registry: Registry = new Registry(), opts: { defaultMetrics?: boolean } = {}) {
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'toolgate_process_' });
  const r = [registry];

  const requests = new Counter({
    name: 'toolgate_requests_total',
    help: 'Requests answered by the gateway, by public model, backend that served them (or "none") and HTTP status.',
    labelNames: ['model', 'backend', 'status'] as const,
    registers: r,
  });
  const ttft = new Histogram({
    name: 'toolgate_time_to_first_token_seconds',
    help: 'Time from request receipt to the first token relayed to the client (streaming), as seen at the gateway; endpoint = the API the client called (chat, completions, responses).',
    labelNames: ['model', 'variant', 'role', 'endpoint'] as const,
    buckets: TTFT_BUCKETS,
    registers: r,
  });
  const itl = new Histogram({
    name: 'toolgate_inter_token_latency_seconds',
    help: 'Gaps between consecutive streamed chunks relayed to the client.',
    labelNames: ['model', 'variant', 'role', 'endpoint'] as const,
    buckets: ITL_BUCKETS,
    registers: r,
  });
  const e2e = new Histogram({
    name: 'toolgate_e2e_request_latency_seconds',
    help: 'Time from request receipt to the end of the response (one model call: a Responses request that runs MCP tools makes several).',
    labelNames: ['model', 'variant', 'role', 'endpoint'] as const,
    buckets: E2E_BUCKETS,
    registers: r,
  });
  const overhead = new Histogram({
    name: 'toolgate_gateway_overhead_seconds',
    help: 'Time the gateway itself adds: request receipt to upstream dispatch, plus relay and tool-call work.',
    labelNames: ['phase'] as const,
    buckets: OVERHEAD_BUCKETS,
    registers: r,
  });
  const promptTokens = new Counter({
    name: 'toolgate_prompt_tokens_total',
    help: 'Prompt tokens reported by upstream usage.',
    labelNames: ['model'] as const,
    registers: r,
  });
  const generationTokens = new Counter({
    name: 'toolgate_generation_tokens_total',
    help: 'Generated tokens reported by upstream usage.',
    labelNames: ['model'] as const,
    registers: r,
  });
  const inflight = new Gauge({
    name: 'toolgate_backend_inflight',
    help: 'Requests in flight to each backend.',
    labelNames: ['backend'] as const,
    registers: r,
  });
  const upstreamRetries = new Counter({
    name: 'toolgate_upstream_retries_total',
    help: 'Requests retried on another backend before the first byte, by reason.',
    labelNames: ['reason'] as const,
    registers: r,
  });
  const upstreamErrors = new Counter({
    name: 'toolgate_upstream_errors_total',
    help: 'Upstream failures by backend and kind (connect, reset, timeout_first_token, timeout_idle, timeout_total, http_5xx).',
    labelNames: ['backend', 'kind'] as const,
    registers: r,
  });
  // Tool calls (issue 3).
  const toolCalls = new Counter({
    name: 'toolgate_tool_calls_total',
    help: 'Assistant responses by tool-call outcome.',
    labelNames: ['model', 'variant', 'role', 'outcome'] as const,
    registers: r,
  });
  const toolCallRepairs = new Counter({
    name: 'toolgate_tool_call_repairs_total',
    help: 'Repairs applied to tool calls, by public model, variant and repair kind.',
    labelNames: ['model', 'variant', 'kind'] as const,
    registers: r,
  });
  const toolCallValidation = new Histogram({
    name: 'toolgate_tool_call_validation_seconds',
    help: 'Time spent extracting, repairing and validating the tool calls of one response.',
    buckets: OVERHEAD_BUCKETS,
    registers: r,
  });
  const historyRepairs = new Counter({
    name: 'toolgate_history_repairs_total',
    help: 'Assistant messages in incoming history whose tool-call arguments were repaired before forwarding.',
    registers: r,
  });
  const toolCallRetries = new Counter({
    name: 'toolgate_tool_call_retries_total',
    help: 'Upstream re-asks made by the retry policy, by result (fixed, still_invalid, deadline).',
    labelNames: ['result'] as const,
    registers: r,
  });
  // Routing (issue 4).
  const routeDecisions = new Counter({
    name: 'toolgate_route_decisions_total',
    help: 'Routing decisions by policy and reason (prefix_hit, hash, overflow, fallback, sticky, least_loaded, round_robin, retry).',
    labelNames: ['policy', 'reason'] as const,
    registers: r,
  });
  const backendHealthy = new Gauge({
    name: 'toolgate_backend_healthy',
    help: '1 when the backend is eligible for traffic, 0 when ejected or failing probes.',
    labelNames: ['backend', 'pool'] as const,
    // Under `serve --workers N` each worker probes; the process reports healthy only if all agree.
    aggregator: 'min',
    registers: r,
  });
  const poolPanic = new Gauge({
    name: 'toolgate_pool_panic',
    help: '1 while the pool routes to every ready backend because fewer than its panic threshold are eligible.',
    labelNames: ['pool'] as const,
    registers: r,
  });
  const toolParsing = new Gauge({
    name: 'toolgate_pool_tool_parsing',
    help: "Who parses tool calls for the pool: 1 on the active mode (gateway = raw text read by the gateway, pod = the pod's tool parser).",
    labelNames: ['pool', 'mode'] as const,
    registers: r,
  });
  const prefixMatchBlocks = new Histogram({
    name: 'toolgate_prefix_match_blocks',
    help: 'Length, in blocks, of the longest prefix match found by the prefix policy.',
    buckets: PREFIX_BLOCK_BUCKETS,
    registers: r,
  });
  const backendLoad = new Gauge({
    name: 'toolgate_backend_engine_load',
    help: "Engine load scraped from each backend's /metrics (signal: running, waiting, kv_cache_usage).",
    labelNames: ['backend', 'signal'] as const,
    // Each worker scrapes the same engine: not a sum.
    aggregator: 'max',
    registers: r,
  });
  // Experiments, shadow and capture (issue 5).
  const variantAssignments = new Counter({
    name: 'toolgate_variant_assignments_total',
    help: 'Requests assigned to each variant of a public model (reason: sticky, pinned).',
    labelNames: ['model', 'variant', 'reason'] as const,
    registers: r,
  });
  const shadowRequests = new Counter({
    name: 'toolgate_shadow_requests_total',
    help: 'Shadow requests by result (sent, completed, failed, dropped_overflow).',
    labelNames: ['model', 'variant', 'result'] as const,
    registers: r,
  });
  const shadowAgreement = new Counter({
    name: 'toolgate_shadow_agreement_total',
    help: 'Primary/shadow pairs by whether their tool calls agree.',
    labelNames: ['model', 'primary_variant', 'shadow_variant', 'agree'] as const,
    registers: r,
  });
  const captureRecords = new Counter({
    name: 'toolgate_capture_records_total',
    help: 'Capture records by sink and result (written, buffered, replayed, failed).',
    labelNames: ['sink', 'result'] as const,
    registers: r,
  });
  const captureDropped = new Counter({
    name: 'toolgate_capture_dropped_total',
    help: 'Capture records dropped because the bounded queue was full.',
    registers: r,
  });
  const captureQueueDepth = new Gauge({
    name: 'toolgate_capture_queue_depth',
    help: 'Records waiting in the capture queue.',
    registers: r,
  });
  const rateLimited = new Counter({
    name: 'toolgate_rate_limited_total',
    help: 'Requests refused with 429 by the per-key rate limit.',
    registers: r,
  });
  const authFailures = new Counter({
    name: 'toolgate_auth_failures_total',
    help: 'Requests refused for a missing or unknown API key.',
    registers: r,
  });

  return {
    registry,
    requests,
    ttft,
    itl,
    e2e,
    overhead,
    promptTokens,
    generationTokens,
    inflight,
    upstreamRetries,
    upstreamErrors,
    toolCalls,
    toolCallRepairs,
    toolCallValidation,
    historyRepairs,
    toolCallRetries,
    routeDecisions,
    backendHealthy,
    poolPanic,
    toolParsing,
    prefixMatchBlocks,
    backendLoad,
    variantAssignments,
    shadowRequests,
    shadowAgreement,
    captureRecords,
    captureDropped,
    captureQueueDepth,
    rateLimited,
    authFailures,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
