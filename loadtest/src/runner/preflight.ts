// Before a target's cells: is it reachable, and does it serve the model? Both failures are
// reported as one clear sentence and skip that target's cells instead of producing a matrix of
// identical connection errors.
import { request } from 'undici';

export type PreflightResult = { ok: true; maxModelLen: number | null } | { ok: false; reason: string };

export async function preflight(
  baseUrl: string,
  model: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<PreflightResult> {
  let status: number;
  let text: string;
  try {
    const res = await request(`${baseUrl}/v1/models`, { headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    const e = err as { code?: string; message?: string; cause?: { code?: string } };
    return {
      ok: false,
      reason: `target ${baseUrl} is unreachable (${e.code ?? e.cause?.code ?? e.message ?? String(err)})`,
    };
  }
  // A target without /v1/models (some proxies) still gets a chance: the requests will tell.
  if (status === 404) return { ok: true, maxModelLen: null };
  if (status !== 200)
    return {
      ok: false,
      reason: `target ${baseUrl} answered GET /v1/models with HTTP ${status}: ${text.slice(0, 200)}`,
    };
  let ids: Array<{ id: string; max_model_len?: number }>;
  try {
    ids = ((JSON.parse(text) as { data?: Array<{ id: string; max_model_len?: number }> }).data ?? []).filter(
      (m) => typeof m.id === 'string',
    );
  } catch {
    return { ok: false, reason: `target ${baseUrl} returned a /v1/models body that is not JSON` };
  }
  const card = ids.find((m) => m.id === model);
  if (!card) {
    return {
      ok: false,
      reason: `model '${model}' is not served by ${baseUrl} (it serves: ${ids.map((m) => m.id).join(', ') || 'nothing'})`,
    };
  }
  return { ok: true, maxModelLen: typeof card.max_model_len === 'number' ? card.max_model_len : null };
}

/** `http://h:p/v1/` → `http://h:p`: we append the API paths ourselves. */
export function normalizeBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`'${url}' is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`'${url}' must be an http(s) URL`);
  return u.toString().replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** The first model id the target lists (what `vllm bench serve` uses when --model is absent). */
export async function firstModel(
  baseUrl: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<{ ok: true; model: string } | { ok: false; reason: string }> {
  try {
    const res = await request(`${baseUrl}/v1/models`, { headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      return { ok: false, reason: `target ${baseUrl} answered GET /v1/models with HTTP ${res.statusCode}` };
    const id = (JSON.parse(text) as { data?: Array<{ id?: unknown }> }).data?.[0]?.id;
    return typeof id === 'string'
      ? { ok: true, model: id }
      : { ok: false, reason: `target ${baseUrl} lists no models` };
  } catch (err) {
    const e = err as { code?: string; message?: string; cause?: { code?: string } };
    return {
      ok: false,
      reason: `target ${baseUrl} is unreachable (${e.code ?? e.cause?.code ?? e.message ?? String(err)})`,
    };
  }
}
