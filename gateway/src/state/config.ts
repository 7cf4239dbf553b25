// Config sections for shared state (issue 5 §6): Redis connection, optional API keys and the
// per-key token-bucket rate limit. The lead composes these into the root config schema.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const redisConfigSchema = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        description: 'Redis URL, e.g. redis://127.0.0.1:6379/0 (env REDIS_URL overrides). Unset = no Redis.',
      }),
    ),
    commandTimeoutMs: Type.Integer({
      minimum: 10,
      default: 500,
      description:
        'A Redis command that takes longer fails (the rate limiter then falls back to memory; capture spools to file).',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const authConfigSchema = Type.Object(
  {
    apiKeysFile: Type.Optional(
      Type.String({ description: 'File with one API key per line (plain, or sha256:<64 hex>); # starts a comment.' }),
    ),
    apiKeysEnv: Type.String({
      default: 'TOOLGATE_API_KEYS',
      description: 'Env variable with comma-separated API keys (same forms as the file). No keys anywhere = auth off.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const rateLimitConfigSchema = Type.Object(
  {
    requestsPerMinute: Type.Number({
      minimum: 0,
      default: 0,
      description: 'Sustained requests per minute per API key (or client address without auth); 0 = no limit.',
    }),
    burst: Type.Integer({
      minimum: 1,
      default: 20,
      description: 'Bucket size: requests allowed at once after idling.',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const stateConfigSchema = Type.Object(
  { redis: redisConfigSchema, auth: authConfigSchema, rateLimit: rateLimitConfigSchema },
  { additionalProperties: false, default: {} },
);

export type AuthConfig = Static<typeof authConfigSchema>;
export type RateLimitConfig = Static<typeof rateLimitConfigSchema>;
export type StateConfig = Static<typeof stateConfigSchema>;

/** Fills defaults, applies REDIS_URL, and checks; throws with the first problem. */
export function resolveStateConfig(partial: unknown = {}, env: NodeJS.ProcessEnv = process.env): StateConfig {
  const value = Value.Default(stateConfigSchema, structuredClone(partial ?? {})) as StateConfig;
  if (env.REDIS_URL) value.redis.url = env.REDIS_URL;
  if (!Value.Check(stateConfigSchema, value)) {
    const first = Value.Errors(stateConfigSchema, value).First();
    throw new Error(`state config: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  return value;
}
