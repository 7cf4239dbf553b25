// The gateway's configuration as one TypeBox schema: it gives both the static type and the JSON
// Schema that ajv validates (with defaults) at start-up. Areas own their sections' schemas and
// this file composes them; unknown keys are rejected so that typos fail loudly.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { poolSchema } from '../routing/config.js';

const strict = <T extends Record<string, TSchema>>(props: T, desc?: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, ...(desc ? { description: desc } : {}) });

export const modelRouteSchema = Type.Object(
  {
    pool: Type.String({ default: 'default', description: 'Pool that serves this public model name.' }),
    upstreamModel: Type.Optional(Type.String({ description: 'Model name sent upstream (e.g. a LoRA adapter); default: the public name.' })),
  },
  { additionalProperties: true },
);

export const configSchema = Type.Object(
  {
    server: strict({
      host: Type.String({ default: '0.0.0.0', description: 'Listen address (env HOST).' }),
      port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Listen port (env PORT); 0 = ephemeral.' }),
      bodyLimitBytes: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024, description: 'Largest accepted request body (413 above).' }),
      shutdownGraceMs: Type.Integer({ minimum: 0, default: 10_000, description: 'How long in-flight requests may finish on SIGTERM.' }),
    }),
    upstreams: Type.Array(Type.String({ pattern: '^https?://' }), {
      default: [],
      description: 'Shorthand for pools.default.backends (env TOOLGATE_UPSTREAMS, comma-separated).',
    }),
    pools: Type.Record(Type.String(), poolSchema, { default: {}, description: 'Named pools of vLLM backends.' }),
    models: Type.Record(Type.String(), modelRouteSchema, {
      default: {},
      description: 'Public model names (aliases) → pool and upstream model. Models the backends report are served as-is.',
    }),
    timeouts: strict({
      connectMs: Type.Integer({ minimum: 1, default: 2_000, description: 'TCP connect to a backend.' }),
      firstTokenMs: Type.Integer({ minimum: 1, default: 60_000, description: 'Request dispatch → first response byte.' }),
      idleMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Longest gap between two body chunks.' }),
      totalMs: Type.Integer({ minimum: 1, default: 600_000, description: 'Whole request.' }),
    }),
    retry: strict({
      attempts: Type.Integer({ minimum: 0, maximum: 5, default: 1, description: 'Retries on another backend before the first byte (connect error, reset, 5xx).' }),
    }),
    health: strict({
      intervalMs: Type.Integer({ minimum: 100, default: 5_000, description: 'Active /health and /v1/models probe interval.' }),
      timeoutMs: Type.Integer({ minimum: 50, default: 2_000, description: 'Probe timeout.' }),
    }),
    sim: strict(
      {
        pods: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: 'Simulated pods started when no upstream is configured.' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: 'First simulated pod port; 0 = ephemeral.' }),
        profile: Type.String({ default: 'qwen3-0.6b-h200', description: 'Simulator engine profile.' }),
        faults: Type.String({ default: 'none', description: 'Simulator fault preset.' }),
        seed: Type.Integer({ default: 0 }),
      },
      'Built-in simulator, used only when no upstreams are configured.',
    ),
    telemetry: strict({
      serviceName: Type.String({ default: 'toolgate', description: 'OpenTelemetry service.name.' }),
    }),
  },
  { additionalProperties: false },
);

export type GatewayConfig = Static<typeof configSchema>;
