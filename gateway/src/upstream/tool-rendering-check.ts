// The start-up check behind the gateway-owned parse (api/toolcalls/parse-mode.ts). The gateway
// asks pods for tool_choice "none" so that they send the model's raw text; a pod started with
// --exclude-tools-when-tool-choice-none then drops the tools from the prompt (vLLM 0.33
// renderers/online_renderer.py `render_chat`), and the model would never see them. One tiny
// request pair per backend shows it: under tool_choice "none", a request with a probe tool has
// more prompt tokens than the same request without tools only when the tools are rendered. A pool
// whose pods drop them falls back to the pods' own parser, with a warning.
// A third probe asks for tool_choice "required": a pod started without --tool-call-parser refuses
// it with a 400 (same file, `render_chat`), so the gateway serves forced choices for that pool.
import { request } from 'undici';
import type { Backend } from '../routing/backend.js';
import type { Pool } from '../routing/pool.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';

export type ToolRendering = 'rendered' | 'dropped' | 'unknown';

const PROBE_TOOL = {
  type: 'function',
  function: {
    name: 'toolgate_probe',
    description: 'Start-up probe of the gateway; never called.',
    parameters: { type: 'object', properties: { x: { type: 'string' } } },
  },
};

/** One probe request; null when it got no answer. */
async function probe(
  backend: Backend,
  body: Record<string, unknown>,
  timeoutMs: number,
): Promise<{ status: number; text: string } | null> {
  try {
    const res = await request(`${backend.url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: backend.dispatcher,
      headers: { 'content-type': 'application/json', 'x-toolgate-probe': 'tool-rendering' },
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, text: await res.body.text() };
  } catch {
    return null;
  }
}

async function promptTokens(
  backend: Backend,
  model: string,
  withTools: boolean,
  timeoutMs: number,
): Promise<number | null> {
  const body = {
    model,
    messages: [{ role: 'user', content: 'ping' }],
    max_tokens: 1,
    ...(withTools ? { tools: [PROBE_TOOL], tool_choice: 'none' } : {}),
  };
  const res = await probe(backend, body, timeoutMs);
  if (res?.status !== 200) return null;
  try {
    const n = (JSON.parse(res.text) as { usage?: { prompt_tokens?: unknown } }).usage?.prompt_tokens;
    return typeof n === 'number' ? n : null;
  } catch {
    return null;
  }
}

export async function probeToolRendering(backend: Backend, model: string, timeoutMs: number): Promise<ToolRendering> {
  const [bare, tooled] = await Promise.all([
    promptTokens(backend, model, false, timeoutMs),
    promptTokens(backend, model, true, timeoutMs),
  ]);
  if (bare === null || tooled === null) return 'unknown';
  return tooled > bare ? 'rendered' : 'dropped';
}

export type ToolParserProbe = 'present' | 'missing' | 'unknown';

/**
 * Whether the pod can serve a forced tool_choice itself: vLLM 0.33 without --tool-call-parser
 * answers `tool_choice="required" requires --tool-call-parser to be set` (400). Anything else
 * that is not a 200 (another engine, an error) tells nothing.
 */
export async function probeToolParser(backend: Backend, model: string, timeoutMs: number): Promise<ToolParserProbe> {
  const body = {
    model,
    messages: [{ role: 'user', content: 'ping' }],
    max_tokens: 1,
    tools: [PROBE_TOOL],
    tool_choice: 'required',
  };
  const res = await probe(backend, body, timeoutMs);
  if (res === null) return 'unknown';
  if (res.status === 200) return 'present';
  return res.status === 400 && res.text.includes('requires --tool-call-parser') ? 'missing' : 'unknown';
}

export class ToolRenderingCheck {
  private readonly checked = new WeakSet<Backend>();

  constructor(
    private readonly pools: readonly Pool[],
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: { timeoutMs: number; retryMs: number; retries: number },
  ) {
    for (const pool of this.pools) {
      this.publish(pool);
      pool.listen({ added: (b) => void this.checkLater(pool, b) });
    }
  }

  /** Checks every backend of every gateway-parsed pool that already reports a model. */
  async checkAll(): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const pool of this.pools) for (const b of pool.backends) jobs.push(this.check(pool, b));
    await Promise.all(jobs);
  }

  /** A backend that joined later: checked once its models are known (the health probe learns them). */
  private async checkLater(pool: Pool, backend: Backend): Promise<void> {
    for (let i = 0; i <= this.opts.retries && backend.models.size === 0; i++)
      await new Promise((r) => setTimeout(r, this.opts.retryMs).unref());
    await this.check(pool, backend);
  }

  private async check(pool: Pool, backend: Backend): Promise<void> {
    if (pool.toolParsing !== 'gateway' || this.checked.has(backend)) return;
    const model = backend.models.values().next().value;
    if (model === undefined) return;
    this.checked.add(backend);
    const [result, parser] = await Promise.all([
      probeToolRendering(backend, model, this.opts.timeoutMs),
      probeToolParser(backend, model, this.opts.timeoutMs),
    ]);
    if (parser === 'missing' && !pool.toolParserMissing) {
      pool.toolParserMissing = true;
      this.log.info(
        'a pod has no --tool-call-parser: the gateway serves forced tool_choice (required, named) for this pool itself, with guided JSON',
        { pool: pool.name, backend: backend.name },
      );
    }
    if (result === 'unknown') {
      this.checked.delete(backend); // try again when it joins or at the next check
      return;
    }
    if (result === 'dropped' && pool.toolParsing === 'gateway') {
      pool.toolParsing = 'pod';
      this.publish(pool);
      this.log.warn(
        'a pod drops the tools under tool_choice "none" (--exclude-tools-when-tool-choice-none): the gateway cannot read the raw model text there, so this pool uses the pods\' own tool parser. Remove that flag, or set toolParsing: pod for the pool to silence this.',
        { pool: pool.name, backend: backend.name },
      );
    }
  }

  private publish(pool: Pool): void {
    for (const mode of ['gateway', 'pod'] as const)
      this.metrics.toolParsing.set({ pool: pool.name, mode }, pool.toolParsing === mode ? 1 : 0);
  }
}
