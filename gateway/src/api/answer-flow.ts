// One answer on its way out: upstream items (upstream-stream.ts) through the plugins' composed
// transform (answer-transform.ts), as steps the exchanger hands to whoever consumes the answer —
// the client's SSE writer, the Responses translator or the shadow's sink. A whole answer is the
// same flow over one chunk per choice (whole-answer.ts), run to its end before the reply.
import type { FailureKind } from '../upstream/dispatch.js';
import { UpstreamFailure, type UpstreamStream } from '../upstream/upstream-stream.js';
import { assembleCompletion, checkCompletionShape, completionToChunks } from '../upstream/whole-answer.js';
import type { AnswerTransform, Chunk, Chunks } from './answer-transform.js';

export type FlowStep =
  /** Chunks to send; `raw` is the upstream's exact event text when they are its own, untouched. */
  | { type: 'out'; chunks: Chunks; raw?: string }
  /** The answer is complete. */
  | { type: 'end' }
  /**
   * The answer ended badly: the upstream failed or stopped early, or a plugin refused it after the
   * response started (`rejected`). `error` is the error body to end the stream with when it is not
   * derived from the kind (vLLM's own in-stream error event, a plugin's refusal).
   */
  | { type: 'fail'; kind: FailureKind | 'rejected'; message: string; error?: Record<string, unknown> };

/** Measures the gateway's own work in transforms, not the upstream calls they may await (retry). */
class RelayClock {
  ms = 0;
  run<T>(fn: () => T): T {
    const started = performance.now();
    try {
      return fn();
    } finally {
      this.ms += performance.now() - started;
    }
  }
}

/** Most upstream events merged into one step (a backlog still goes out in bounded writes). */
const MAX_EVENTS_PER_STEP = 64;

export class StreamAnswerFlow {
  private state: 'open' | 'flushed' | 'done' = 'open';
  /** A step read while merging (or a transform's refusal then), handed out by the next call. */
  private pending: { step: FlowStep } | { error: unknown } | null = null;
  readonly clock = new RelayClock();

  constructor(
    private readonly upstream: UpstreamStream,
    private readonly transform: AnswerTransform | null,
  ) {}

  /**
   * The next non-empty step. Events that came in the same read go out as one step (one write to
   * the client, one hand-off each) — they arrived together, so no token waits for another.
   * A transform that refuses the answer throws its GatewayError.
   */
  async next(): Promise<FlowStep> {
    const pending = this.pending;
    this.pending = null;
    if (pending && 'error' in pending) throw pending.error;
    const first = pending ? pending.step : await this.step();
    if (first.type !== 'out') return first;
    let merged = first;
    for (let n = 1; n < MAX_EVENTS_PER_STEP && this.state === 'open' && this.upstream.buffered; n++) {
      let more: FlowStep;
      try {
        more = await this.step();
      } catch (error) {
        this.pending = { error }; // what came before the refusal still goes out first
        break;
      }
      if (more.type !== 'out') {
        this.pending = { step: more };
        break;
      }
      merged = {
        type: 'out',
        chunks: [...merged.chunks, ...more.chunks],
        ...(merged.raw !== undefined && more.raw !== undefined ? { raw: merged.raw + more.raw } : {}),
      };
    }
    return merged;
  }

  /** One upstream event's step (or several events', when the transform held some back). */
  private async step(): Promise<FlowStep> {
    for (;;) {
      if (this.state !== 'open') {
        this.state = 'done';
        return { type: 'end' };
      }
      let item;
      try {
        item = await this.upstream.next();
      } catch (err) {
        if (!(err instanceof UpstreamFailure)) throw err;
        this.state = 'done';
        return { type: 'fail', kind: err.kind, message: err.message };
      }
      if (item === null) {
        this.state = 'done';
        return { type: 'fail', kind: 'reset', message: 'upstream closed the stream before [DONE]' };
      }
      switch (item.type) {
        case 'done': {
          this.state = 'flushed';
          this.upstream.close();
          if (!this.transform) continue;
          const tail = await this.clock.run(() => this.transform!.end());
          if (tail.length > 0) return { type: 'out', chunks: tail };
          continue;
        }
        case 'error': {
          this.state = 'done';
          const e = item.error.error as { message?: unknown };
          return {
            type: 'fail',
            kind: 'upstream_error',
            message: typeof e.message === 'string' ? e.message : 'upstream error',
            error: item.error,
          };
        }
        case 'other':
          if (!this.transform) return { type: 'out', chunks: [], raw: item.raw };
          continue;
        case 'chunk': {
          if (!this.transform) return { type: 'out', chunks: [item.chunk], raw: item.raw };
          const out = await this.clock.run(() => this.transform!.chunk(item.chunk));
          if (out.length > 0) return { type: 'out', chunks: out };
        }
      }
    }
  }

  close(): void {
    this.state = 'done';
    this.pending = null;
    this.upstream.close();
  }
}

/** A whole answer through the same transform: the completion to send (null transform: unchanged). */
export async function transformWhole(
  json: Record<string, unknown>,
  transform: AnswerTransform | null,
  clock?: { run<T>(fn: () => T): T },
): Promise<Record<string, unknown>> {
  if (!transform) {
    checkCompletionShape(json); // BadUpstreamAnswer when the transforms could not have read it
    return json;
  }
  const chunks = completionToChunks(json); // checks the shape too
  const run = clock ? <T>(fn: () => T) => clock.run(fn) : <T>(fn: () => T) => fn();
  const out: Chunk[] = [];
  for (const c of chunks) out.push(...(await run(() => transform.chunk(c))));
  out.push(...(await run(() => transform.end())));
  return assembleCompletion(json, out);
}

export { RelayClock };
