// Shapes shared by the runner and the report: one request's measurements, one cell's metrics,
// and the whole run as written to results.json.
import type { Summary } from './stats.js';

/** Why a request failed; bounded so the report can tabulate it. */
export type ErrorKind =
  | 'connection' // refused, reset, DNS — the target is unreachable
  | 'timeout' // no complete response within --timeout
  | 'http_4xx'
  | 'http_5xx'
  | 'stream_error' // an `data: {"error": …}` event inside the stream
  | 'empty_response' // stream ended without a single choice chunk
  | 'protocol'; // unparseable SSE / JSON

/** How a response's tool calls came back: the gateway's header value, else our classification. */
export type ToolCallOutcome = string;

/** One request, measured the way vLLM's `async_request_openai_chat_completions` does. */
export interface RequestOutput {
  success: boolean;
  /** Seconds since the cell's clock origin when the request was sent. */
  startS: number;
  /** Time to the first chunk carrying choices, seconds. */
  ttftS: number;
  /** Send → last data chunk (the usage chunk included), seconds. */
  latencyS: number;
  /** Gaps between consecutive chunks after the first, seconds. */
  itlS: number[];
  promptTokens: number;
  outputTokens: number;
  /** Chunks that carried choices (≈ tokens when the server streams one token per chunk). */
  chunks: number;
  toolCallOutcome?: ToolCallOutcome;
  error?: { kind: ErrorKind; status?: number; code?: string | null; message: string };
}

export interface GoodputSlo {
  ttftMs?: number;
  tpotMs?: number;
  e2elMs?: number;
}

/** The `vllm bench serve` figure set for one cell (latencies in ms, like its JSON output). */
export interface CellMetrics {
  completed: number;
  failed: number;
  durationS: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  requestThroughput: number;
  outputThroughput: number;
  totalTokenThroughput: number;
  /** Requests/s meeting every SLO in `goodput`; null when no SLO was given. */
  requestGoodput: number | null;
  ttftMs: Summary;
  tpotMs: Summary;
  itlMs: Summary;
  e2elMs: Summary;
  maxConcurrentRequests: number;
  errors: Record<string, number>;
  /** Outcome → share of successful requests (0–1); empty when no tools were sent. */
  toolCallOutcomes: Record<string, number>;
}

/** A server-side series sampled through Prometheus during a cell. */
export type ServerReading =
  | { name: string; query: string; absent: false; mean: number; max: number; last: number; samples: number }
  | { name: string; query: string; absent: true; reason: string };

export interface CellSpec {
  /** Label of the server configuration (matrix `targets[].label`, else "default"). */
  targetLabel: string;
  targetUrl: string;
  concurrency: number;
  contextTokens: number;
}

export interface CellResult extends CellSpec {
  /** Measured prompt length of the prompts sent (tokens, /tokenize or estimate). */
  promptTokensMeasured: number;
  promptTokensMethod: 'tokenize' | 'usage' | 'estimate';
  /** Tools sent with each prompt (the fewest over the cell's prompts); 0 = plain chat. */
  toolsPerPrompt: number;
  metrics: CellMetrics;
  server: ServerReading[];
  /** Set when the cell could not run at all (target down, model missing…). */
  aborted?: string;
}

export interface ServerSettings {
  label: string;
  target: string;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  /** Pods behind the target; recommendations are per pod. */
  pods?: number;
}

export interface RunConfig {
  model: string;
  targets: ServerSettings[];
  concurrency: number[];
  contextTokens: number[];
  requestsPerCell: number | null;
  durationS: number | null;
  /** Warm-up requests per cell; -1 = the cell's concurrency. */
  warmupRequests: number;
  maxTokens: number;
  requestRate: number;
  burstiness: number;
  seed: number;
  tools: boolean;
  goodput: GoodputSlo;
  ttftP95TargetMs: number;
  prometheusUrl: string | null;
  prometheusIntervalS: number;
  timeoutS: number;
}

export interface RunResults {
  tool: 'toolgate-loadtest';
  version: 1;
  startedAt: string;
  finishedAt: string | null;
  config: RunConfig;
  cells: CellResult[];
  /** Problems that stopped part of the run; the cells before them are kept. */
  problems: string[];
}
