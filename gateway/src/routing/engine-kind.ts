// What kind of inference server a backend is, and how each kind's own endpoints map onto what
// the router reads: vLLM (the default) and llama.cpp's `llama-server` (the edge backend). A kind is
// configured (`kind: vllm | llamacpp` on a pool or backend) or detected from the /v1/models cards
// (`owned_by: "llamacpp"`). Both serve /health (200 when ready; llama-server says 503 while it
// loads), /v1/models and Prometheus /metrics (llama-server only with `--metrics`).
// llama-server's names read from tools/server/server-task.cpp (to_metrics) and
// server-context.cpp (get_res_model_info) of the llama.cpp tree vendored in llama-cpp-python 0.3.36.
import type { EngineLoad } from './backend.js';
import type { ModelCard } from './health.js';

export type EngineKind = 'vllm' | 'llamacpp';
export type EngineKindSetting = EngineKind | 'auto';

/** Gauges per kind feeding EngineLoad. llama-server exports no KV-cache gauge since the
 * `kv_cache_usage_ratio` of older builds was removed; its load is busy slots + deferred requests. */
export const LOAD_SIGNALS: Record<EngineKind, Readonly<Record<string, keyof EngineLoad>>> = {
  vllm: {
    'vllm:num_requests_running': 'running',
    'vllm:num_requests_waiting': 'waiting',
    'vllm:kv_cache_usage_perc': 'kvCacheUsage',
  },
  llamacpp: {
    'llamacpp:requests_processing': 'running',
    'llamacpp:requests_deferred': 'waiting',
    'llamacpp:kv_cache_usage_ratio': 'kvCacheUsage',
  },
};

/** The kind the cards reveal: llama-server marks its cards `owned_by: "llamacpp"`. */
export function detectKind(cards: readonly ModelCard[]): EngineKind {
  return cards.some((c) => c.owned_by === 'llamacpp') ? 'llamacpp' : 'vllm';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A card in vLLM's shape, which the gateway's /v1/models serves: llama-server's context size
 * (`meta.n_ctx`, per slot) becomes `max_model_len`, and `root`/`parent` are filled in. Its other
 * fields (`aliases`, `meta`) pass through.
 */
export function normalizeCard(kind: EngineKind, card: ModelCard): ModelCard {
  if (kind !== 'llamacpp') return card;
  const nCtx = isRecord(card.meta) ? card.meta.n_ctx : undefined;
  return {
    ...card,
    object: card.object ?? 'model',
    root: card.root ?? card.id,
    parent: card.parent ?? null,
    ...(card.max_model_len === undefined && typeof nCtx === 'number' && nCtx > 0 ? { max_model_len: nCtx } : {}),
  };
}

/** Model names a card answers to: its id plus llama-server's `aliases` (`--alias a,b`). */
export function cardNames(card: ModelCard): string[] {
  const aliases = Array.isArray(card.aliases) ? card.aliases.filter((a): a is string => typeof a === 'string') : [];
  return [card.id, ...aliases];
}
