// GET /v1/models: the union of the backends' model cards (as vLLM reports them, max_model_len
// and LoRA `parent` included) plus configured aliases, each alias carrying its target's card.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema.js';
import type { HealthChecker, ModelCard } from '../routing/health.js';

export function modelsRoute(cfg: GatewayConfig, health: HealthChecker) {
  return function models(c: Context): Response {
    const byId = new Map<string, ModelCard>();
    for (const cards of health.cards.values())
      for (const card of cards) if (!byId.has(card.id)) byId.set(card.id, card);
    for (const [alias, route] of Object.entries(cfg.models)) {
      const target = byId.get(route.upstreamModel ?? alias);
      byId.set(alias, {
        ...(target ?? {}),
        id: alias,
        object: 'model',
        created: target?.created ?? Math.floor(Date.now() / 1000),
        owned_by: 'toolgate',
        root: route.upstreamModel ?? alias,
        parent: target?.parent ?? null,
      });
    }
    return c.json({ object: 'list', data: [...byId.values()] });
  };
}
