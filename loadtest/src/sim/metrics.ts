// Per-pod Prometheus metrics with vLLM V1's names, labels (model_name, engine) and bucket edges.
// Each pod owns its own Registry, so several pods can live in one process.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
];
export const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
export const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];

export type FinishedReason = 'stop' | 'length' | 'abort';

/** Live values read at scrape time. */
export interface EngineGauges {
  running(): number;
  waiting(): number;
  kvUsage(): number;
}

export class PodMetrics {
  readonly registry = new Registry();
  private readonly labels: { model_name: string; engine: string };
  private readonly promptTokens: Counter<'model_name' | 'engine'>;
  private readonly generationTokens: Counter<'model_name' | 'engine'>;
  private readonly prefixQueries: Counter<'model_name' | 'engine'>;
  private readonly prefixHits: Counter<'model_name' | 'engine'>;
  private readonly preemptions: Counter<'model_name' | 'engine'>;
  private readonly success: Counter<'model_name' | 'engine' | 'finished_reason'>;
  private readonly ttft: Histogram<'model_name' | 'engine'>;
  private readonly itl: Histogram<'model_name' | 'engine'>;
  private readonly e2e: Histogram<'model_name' | 'engine'>;
  private readonly queue: Histogram<'model_name' | 'engine'>;

  constructor(modelName: string, gauges: EngineGauges, engineIndex = '0') {
    this.labels = { model_name: modelName, engine: engineIndex };
    const labelNames = ['model_name', 'engine'] as const;
    const registers = [this.registry];
    const labels = this.labels;
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', () => gauges.running());
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', () => gauges.waiting());
    gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', () => gauges.kvUsage());
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames, registers });
    this.promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.');
    this.generationTokens = counter('vllm:generation_tokens_total', 'Number of generation tokens processed.');
    this.prefixQueries = counter(
      'vllm:prefix_cache_queries_total',
      'Prefix cache queries, in terms of number of queried tokens.',
    );
    this.prefixHits = counter(
      'vllm:prefix_cache_hits_total',
      'Prefix cache hits, in terms of number of cached tokens.',
    );
    this.preemptions = counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.');
    this.success = new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: ['model_name', 'engine', 'finished_reason'],
      registers,
    });
    const histogram = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames, buckets, registers });
    this.ttft = histogram(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    );
    this.itl = histogram(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      ITL_BUCKETS,
    );
    this.e2e = histogram(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      REQUEST_LATENCY_BUCKETS,
    );
    this.queue = histogram(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      REQUEST_LATENCY_BUCKETS,
    );
    // Initialise every finished_reason series so dashboards see zeros, as vLLM does.
    for (const r of ['stop', 'length', 'abort'] as const) this.success.inc({ ...labels, finished_reason: r }, 0);
  }

  prefixLookup(queried: number, hit: number): void {
    this.prefixQueries.inc(this.labels, queried);
    this.prefixHits.inc(this.labels, hit);
  }
  promptComputed(tokens: number): void {
    this.promptTokens.inc(this.labels, tokens);
  }
  tokenGenerated(): void {
    this.generationTokens.inc(this.labels, 1);
  }
  preempted(): void {
    this.preemptions.inc(this.labels, 1);
  }
  queueTime(seconds: number): void {
    this.queue.observe(this.labels, seconds);
  }
  firstToken(seconds: number): void {
    this.ttft.observe(this.labels, seconds);
  }
  interToken(seconds: number): void {
    this.itl.observe(this.labels, seconds);
  }
  finished(reason: FinishedReason, e2eSeconds: number): void {
    this.success.inc({ ...this.labels, finished_reason: reason }, 1);
    if (reason !== 'abort') this.e2e.observe(this.labels, e2eSeconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
