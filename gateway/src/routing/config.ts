// Config schema of pools, backends and routing policies (composed into the root config).
import { Type, type Static } from '@sinclair/typebox';

export const backendSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', description: 'Base URL of a vLLM OpenAI server, e.g. http://10.0.0.7:8000' }),
    name: Type.Optional(Type.String({ description: 'Label used in metrics and headers; defaults to host:port.' })),
  },
  { additionalProperties: false },
);

export const policySchema = Type.Object(
  {
    type: Type.String({ default: 'round_robin', description: 'Routing policy: see the routing section.' }),
  },
  { additionalProperties: true, default: { type: 'round_robin' } },
);

export const poolSchema = Type.Object(
  {
    backends: Type.Array(backendSchema, { default: [], description: 'Static backends.' }),
    policy: policySchema,
  },
  { additionalProperties: true },
);

export type BackendConfig = Static<typeof backendSchema>;
export type PoolConfig = Static<typeof poolSchema>;
