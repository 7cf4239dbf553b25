// One chat completion against any OpenAI-compatible endpoint (vLLM or Toolgate), classified for
// the runner: ok, rejected (a 4xx that re-sending would not change) or error (retryable).
import type { AssistantMessage, RawRecord } from './raw-store.js';

export interface ClientOptions {
  /** Base URL including the API prefix, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  retryBaseMs?: number;
}

/** `http://host:port` → `http://host:port/v1`; a URL that already has a path is kept as given. */
export function normalizeBaseUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`--endpoint '${endpoint}' is not a URL (e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--endpoint must be http(s), got ${url.protocol}`);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path === '' ? '/v1' : path}`;
}

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);

/** True when the failure means nothing is listening (used to stop a run early). */
export function isConnectionFailure(r: RawRecord): boolean {
  return r.status === 'error' && r.error?.type === 'connection_error';
}

function errorOf(err: unknown): RawRecord['error'] {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code ?? null;
  if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') {
    return { message: 'request timed out', type: 'timeout', code: 'timeout' };
  }
  const connection =
    code !== null &&
    ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'UND_ERR_SOCKET', 'EAI_AGAIN'].includes(code);
  return {
    message: cause?.message ?? (err as Error).message,
    type: connection ? 'connection_error' : 'network_error',
    code,
  };
}

export async function chatCompletion(
  id: string,
  body: Record<string, unknown>,
  opts: ClientOptions,
): Promise<RawRecord> {
  let last: RawRecord | null = null;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, (opts.retryBaseMs ?? 200) * 2 ** (attempt - 1)));
    last = await once(id, body, opts);
    if (last.status !== 'error') return last;
    if (last.error?.http_status !== undefined && !RETRYABLE_STATUS.has(last.error.http_status)) return last;
  }
  return last!;
}

async function once(id: string, body: Record<string, unknown>, opts: ClientOptions): Promise<RawRecord> {
  const t0 = performance.now();
  const at = new Date().toISOString();
  const ms = () => Math.round((performance.now() - t0) * 10) / 10;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${opts.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    return { id, status: 'error', at, latency_ms: ms(), error: errorOf(err) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { message?: string; type?: string; code?: string | null } } | undefined)?.error;
    const error = {
      message: e?.message ?? text.slice(0, 300),
      type: e?.type ?? 'http_error',
      code: e?.code ?? null,
      http_status: res.status,
    };
    return { id, status: RETRYABLE_STATUS.has(res.status) ? 'error' : 'rejected', at, latency_ms: ms(), error };
  }
  const choice = (
    json as { choices?: { message?: Partial<AssistantMessage>; finish_reason?: string | null }[] } | undefined
  )?.choices?.[0];
  if (!choice?.message) {
    return {
      id,
      status: 'error',
      at,
      latency_ms: ms(),
      error: {
        message: 'response has no choices[0].message',
        type: 'bad_response',
        code: null,
        http_status: res.status,
      },
    };
  }
  const m = choice.message as Partial<AssistantMessage> & { reasoning?: unknown };
  // vLLM ≥ 0.11 names the field `reasoning` (vllm/entrypoints/openai/protocol.py); older servers and
  // other engines `reasoning_content`. Stored under the input name vLLM accepts back.
  const reasoning =
    typeof m.reasoning_content === 'string'
      ? m.reasoning_content
      : typeof m.reasoning === 'string'
        ? m.reasoning
        : undefined;
  const message: AssistantMessage = {
    content: typeof m.content === 'string' ? m.content : null,
    tool_calls: Array.isArray(m.tool_calls) ? m.tool_calls : null,
    ...(reasoning !== undefined ? { reasoning_content: reasoning } : {}),
  };
  const usage = (json as { usage?: RawRecord['usage'] }).usage ?? null;
  return { id, status: 'ok', at, latency_ms: ms(), message, finish_reason: choice.finish_reason ?? null, usage };
}
