// The gateway's configuration as one TypeBox schema: it gives both the static type and the JSON
// Schema that ajv validates (with defaults) at start-up. Areas own their sections' schemas and
// this file composes them; unknown keys are rejected so that typos fail loudly.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { poolSchema } from '../routing/config.js';
import { experimentsSchema, modelRouteSchema } from '../experiments/config.js';
import { captureConfigSchema } from '../capture/config.js';
import { authConfigSchema, rateLimitConfigSchema, redisConfigSchema } from '../state/config.js';
import { responsesConfigSchema } from '../responses/config.js';
import { mcpConfigSchema } from '../mcp/config.js';

const strict = <T extends Record<string, TSchema>>(props: T, desc?: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, ...(desc ? { description: desc } : {}) });

export const configSchema = Type.Object(
  {
    server: strict({
      host: Type.String({ default: '0.0.0.0', description: 'Listen address (env HOST).' }),
      port: Type.Integer({
        minimum: 0,
        maximum: 65535,
        default: 8080,
        description: 'Listen port (env PORT); 0 = ephemeral.',
      }),
      bodyLimitBytes: Type.Integer({
        minimum: 1024,
        default: 8 * 1024 * 1024,
        description: 'Largest accepted request body (413 above).',
      }),
      shutdownGraceMs: Type.Integer({
        minimum: 0,
        default: 10_000,
        description: 'How long in-flight requests may finish on SIGTERM.',
      }),
      workers: Type.Integer({
        minimum: 0,
        maximum: 256,
        default: 0,
        description:
          'Worker processes serving the port (env TOOLGATE_WORKERS, flag --workers); 0 = one per CPU (affinity and cgroup quota).',
      }),
    }),
    upstreams: Type.Array(Type.String({ pattern: '^https?://' }), {
      default: [],
      description: 'Shorthand for pools.default.backends (env TOOLGATE_UPSTREAMS, comma-separated).',
    }),
    pools: Type.Record(Type.String(), poolSchema, { default: {}, description: 'Named pools of vLLM backends.' }),
    models: Type.Record(Type.String(), modelRouteSchema, {
      default: {},
      description:
        'Public model names (aliases) → pool and upstream model. Models the backends report are served as-is.',
    }),
    timeouts: strict({
      connectMs: Type.Integer({ minimum: 1, default: 2_000, description: 'TCP connect to a backend.' }),
      firstTokenMs: Type.Integer({
        minimum: 1,
        default: 60_000,
        description: 'Request dispatch → first response byte.',
      }),
      idleMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Longest gap between two body chunks.' }),
      totalMs: Type.Integer({ minimum: 1, default: 600_000, description: 'Whole request.' }),
    }),
    retry: strict({
      attempts: Type.Integer({
        minimum: 0,
        maximum: 5,
        default: 1,
        description: 'Retries on another backend before the first byte (connect error, reset, 5xx).',
      }),
    }),
    health: strict({
      intervalMs: Type.Integer({
        minimum: 100,
        default: 5_000,
        description: 'Active /health and /v1/models probe interval.',
      }),
      timeoutMs: Type.Integer({ minimum: 50, default: 2_000, description: 'Probe timeout.' }),
      unhealthyThreshold: Type.Integer({
        minimum: 1,
        default: 2,
        description:
          'Failed probes in a row before a backend is taken out (a refused connection takes it out at once).',
      }),
      healthyThreshold: Type.Integer({
        minimum: 1,
        default: 1,
        description: 'Passed probes in a row before a backend that was out is taken back.',
      }),
    }),
    sim: strict(
      {
        pods: Type.Integer({
          minimum: 1,
          maximum: 64,
          default: 2,
          description: 'Simulated pods started when no upstream is configured.',
        }),
        port: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 0,
          description: 'First simulated pod port; 0 = ephemeral.',
        }),
        profile: Type.String({ default: 'qwen3-0.6b-h200', description: 'Simulator engine profile.' }),
        faults: Type.String({ default: 'none', description: 'Simulator fault preset.' }),
        seed: Type.Integer({ default: 0, description: 'Simulator seed (fault choice and generated text).' }),
        reasoningParser: Type.Union([Type.Literal('qwen3'), Type.Literal('none')], {
          default: 'qwen3',
          description:
            'Simulated pods run vLLM `--reasoning-parser qwen3` (thinking in `reasoning`), as a Qwen3 deployment does; `none` turns it off.',
        }),
      },
      'Built-in simulator, used only when no upstreams are configured.',
    ),
    toolcalls: strict(
      {
        policy: Type.Union(
          [
            Type.Literal('off'),
            Type.Literal('annotate'),
            Type.Literal('repair'),
            Type.Literal('retry'),
            Type.Literal('reject'),
          ],
          {
            default: 'retry',
            description:
              'What to do with tool calls: off | annotate | repair | retry | reject (docs/gateway.md#tool-call-policies).',
          },
        ),
        perModel: Type.Record(
          Type.String(),
          Type.Union([
            Type.Literal('off'),
            Type.Literal('annotate'),
            Type.Literal('repair'),
            Type.Literal('retry'),
            Type.Literal('reject'),
          ]),
          {
            default: {},
            description: 'Policy per public model name (overrides `policy`).',
          },
        ),
        allowPolicyHeader: Type.Boolean({ default: true, description: 'Honour the x-toolgate-policy request header.' }),
        retry: strict({
          maxAttempts: Type.Integer({
            minimum: 1,
            maximum: 5,
            default: 2,
            description: 'Upstream re-asks for one invalid response.',
          }),
          deadlineMs: Type.Integer({
            minimum: 100,
            default: 15_000,
            description: 'No re-ask starts after this long since receipt.',
          }),
        }),
        limits: strict({
          maxTools: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Most tools in one request (default 128).' }),
          ),
          maxSchemaBytes: Type.Optional(
            Type.Integer({ minimum: 64, description: 'Largest `parameters` schema in bytes of JSON (default 65536).' }),
          ),
          maxTotalSchemaBytes: Type.Optional(
            Type.Integer({
              minimum: 64,
              description: 'Largest whole `tools` array in bytes of JSON (default 1048576).',
            }),
          ),
          maxDepth: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Deepest nesting inside one schema (default 24).' }),
          ),
          maxEnumValues: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Most values in one enum (default 1024).' }),
          ),
          maxPatternLength: Type.Optional(
            Type.Integer({
              minimum: 1,
              description:
                'Longest regex `pattern` (default 512); patterns run on RE2 (linear time), so lookaround and backreferences are refused.',
            }),
          ),
        }),
      },
      'Tool-call extraction, repair and validation.',
    ),
    experiments: experimentsSchema,
    responses: responsesConfigSchema,
    mcp: mcpConfigSchema,
    capture: captureConfigSchema,
    redis: redisConfigSchema,
    auth: authConfigSchema,
    rateLimit: rateLimitConfigSchema,
    telemetry: strict({
      serviceName: Type.String({ default: 'toolgate', description: 'OpenTelemetry service.name.' }),
    }),
  },
  { additionalProperties: false },
);

export type GatewayConfig = Static<typeof configSchema>;
