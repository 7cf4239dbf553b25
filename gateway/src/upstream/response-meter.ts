// Per-request measurement of what the client receives: TTFT (first token-bearing chunk), every
// gap between token-bearing chunks (ITL), end-to-end time, token usage and finish reasons.
// Histograms are observed as the stream goes, so nothing is buffered per token.
import type { Metrics } from '../telemetry/metrics.js';

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export interface MeterLabels {
  model: string;
  variant: string;
  role: 'primary' | 'shadow';
  /** The API the client called: chat, completions, tokenize or responses. */
  endpoint: string;
}

export class ResponseMeter {
  firstTokenAt: number | null = null;
  private lastTokenAt: number | null = null;
  tokenEvents = 0;
  usage: Usage | null = null;
  finishReasons = new Set<string>();

  // Labelled children resolved once per request rather than on every token, and only at the first
  // token: a request that generates nothing (/tokenize) must not create an empty series.
  private itlChild: ReturnType<Metrics['itl']['labels']> | null = null;

  constructor(
    /** performance.now() when the request was received. */
    readonly receivedAt: number,
    private readonly metrics: Metrics | null,
    private readonly labels: MeterLabels,
  ) {}

  /** Inspects one parsed chunk (chat or completions) at time `now`. */
  onChunk(chunk: unknown, now: number): void {
    if (!chunk || typeof chunk !== 'object') return;
    const c = chunk as { choices?: unknown[]; usage?: Usage | null };
    if (c.usage) this.usage = c.usage;
    if (!Array.isArray(c.choices)) return;
    let hasToken = false;
    for (const choice of c.choices) {
      const ch = choice as { delta?: Record<string, unknown>; text?: unknown; finish_reason?: unknown };
      if (typeof ch.finish_reason === 'string') this.finishReasons.add(ch.finish_reason);
      if (typeof ch.text === 'string' && ch.text.length > 0) hasToken = true;
      const d = ch.delta;
      if (d) {
        if (
          (typeof d.content === 'string' && d.content.length > 0) ||
          (typeof d.reasoning === 'string' && d.reasoning.length > 0) ||
          (typeof d.reasoning_content === 'string' && d.reasoning_content.length > 0) ||
          (Array.isArray(d.tool_calls) && d.tool_calls.length > 0)
        )
          hasToken = true;
      }
    }
    if (hasToken) this.onToken(now);
  }

  onToken(now: number): void {
    this.tokenEvents++;
    if (this.firstTokenAt === null) {
      this.firstTokenAt = now;
      this.metrics?.ttft.labels(this.labels).observe((now - this.receivedAt) / 1000);
      this.itlChild = this.metrics?.itl.labels(this.labels) ?? null;
    } else if (this.lastTokenAt !== null) {
      this.itlChild?.observe((now - this.lastTokenAt) / 1000);
    }
    this.lastTokenAt = now;
  }

  /** Records e2e and token counters; call once when the response is complete. */
  finish(now: number): void {
    this.metrics?.e2e.observe(this.labels, (now - this.receivedAt) / 1000);
    if (this.usage) {
      if (typeof this.usage.prompt_tokens === 'number')
        this.metrics?.promptTokens.inc({ model: this.labels.model }, this.usage.prompt_tokens);
      if (typeof this.usage.completion_tokens === 'number') {
        this.metrics?.generationTokens.inc({ model: this.labels.model }, this.usage.completion_tokens);
      }
    }
  }

  get ttftMs(): number | null {
    return this.firstTokenAt === null ? null : this.firstTokenAt - this.receivedAt;
  }
}
