// Config schema of public model names: a plain alias (pool + upstream model) or an experiment
// with weighted variants and an optional shadow variant.
import { Type, type Static } from '@sinclair/typebox';

export const variantSchema = Type.Object(
  {
    pool: Type.String({ default: 'default', description: 'Pool that serves this variant.' }),
    model: Type.Optional(
      Type.String({ description: 'Upstream model name (e.g. a LoRA adapter); default: the public name.' }),
    ),
    weight: Type.Number({
      minimum: 0,
      default: 0,
      description: 'Relative share of primary traffic (0 = pin/shadow only).',
    }),
  },
  { additionalProperties: false },
);

export const modelRouteSchema = Type.Object(
  {
    pool: Type.String({ default: 'default', description: 'Pool that serves this public model name (no variants).' }),
    upstreamModel: Type.Optional(Type.String({ description: 'Model name sent upstream; default: the public name.' })),
    variants: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), variantSchema, {
        description: 'Weighted A/B variants.',
      }),
    ),
    shadow: Type.Optional(
      Type.Object(
        {
          variant: Type.String({ description: 'Variant that receives mirrored traffic.' }),
          percent: Type.Number({ minimum: 0, maximum: 100, description: 'Share of requests mirrored.' }),
        },
        { additionalProperties: false },
      ),
    ),
    allowPin: Type.Boolean({
      default: true,
      description: 'Clients may pin a variant with the x-toolgate-variant header.',
    }),
  },
  { additionalProperties: false },
);

export const experimentsSchema = Type.Object(
  {
    shadowMaxConcurrent: Type.Integer({
      minimum: 1,
      default: 16,
      description: 'Shadow requests in flight at once; more are dropped and counted.',
    }),
    shadowTimeoutMs: Type.Integer({
      minimum: 100,
      default: 60_000,
      description: 'Whole-request limit for a shadow request.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type ModelRouteConfig = Static<typeof modelRouteSchema>;

/** Cross-field checks the schema cannot express; returns problems naming the key. */
export function checkModelRoutes(models: Record<string, ModelRouteConfig>, pools: Set<string>): string[] {
  const problems: string[] = [];
  for (const [name, route] of Object.entries(models)) {
    const where = `/models/${name}`;
    if (!route.variants) {
      if (pools.size > 0 && !pools.has(route.pool))
        problems.push(`${where}/pool names pool '${route.pool}', which is not defined under /pools`);
      if (route.shadow) problems.push(`${where}/shadow needs /models/${name}/variants`);
      continue;
    }
    const variants = Object.entries(route.variants);
    if (variants.length === 0) problems.push(`${where}/variants must name at least one variant`);
    if (variants.length > 0 && variants.every(([, v]) => v.weight <= 0))
      problems.push(`${where}/variants: at least one variant needs a weight > 0`);
    for (const [vn, v] of variants) {
      if (pools.size > 0 && !pools.has(v.pool))
        problems.push(`${where}/variants/${vn}/pool names pool '${v.pool}', which is not defined under /pools`);
    }
    if (route.shadow && !route.variants[route.shadow.variant]) {
      problems.push(
        `${where}/shadow/variant '${route.shadow.variant}' is not one of its variants (${Object.keys(route.variants).join(', ')})`,
      );
    }
  }
  return problems;
}
