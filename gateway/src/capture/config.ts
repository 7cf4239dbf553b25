// The `capture` config section (issue 5 §4) as a TypeBox schema: static type, JSON Schema with
// defaults and descriptions for the root config, and one ajv-free resolver for tests and tools.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const redactConfigSchema = Type.Object(
  {
    patterns: Type.Array(Type.String(), {
      default: [],
      description:
        'Extra regular expressions (JavaScript syntax, matched globally, run on RE2 in linear time: no lookaround or backreferences) whose matches are replaced by [REDACTED].',
    }),
    email: Type.Boolean({ default: true, description: 'Replace e-mail addresses by [REDACTED_EMAIL].' }),
    apiKeys: Type.Boolean({
      default: true,
      description:
        "Replace the gateway's own API keys (exact values, any shape) and API-key-like strings (sk-…, Bearer tokens, AKIA…, ghp_…, xox…-, key=… assignments) by [REDACTED_KEY].",
    }),
    sessionIds: Type.Boolean({
      default: true,
      description:
        'Store conversationId (from x-session-id) as a keyed SHA-256 pseudonym ("sid:…"): turns still group, the id itself is not kept.',
    }),
    sessionIdKey: Type.String({
      default: '',
      description:
        'HMAC key for the session-id pseudonym; set it when session ids are guessable (empty: plain SHA-256).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Redaction applied to every record before it is written.' },
);

export const captureConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Capture tool-call records at all.' }),
    dir: Type.String({
      default: './data/capture',
      description: 'Directory of the rotating JSONL files (and of the Redis spool when a stream is used).',
    }),
    maxFileBytes: Type.Integer({
      minimum: 1024,
      default: 64 * 1024 * 1024,
      description: 'Rotate a JSONL file before it grows past this size.',
    }),
    rotateMs: Type.Integer({
      minimum: 1000,
      default: 3_600_000,
      description: 'Rotate a JSONL file once it is this old (ms).',
    }),
    queueSize: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Bounded queue between the request path and the sinks; offers beyond it are dropped and counted.',
    }),
    batchSize: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 256,
      description: 'Records written per sink call.',
    }),
    sampleValid: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.01,
      description: 'Share of valid (unrepaired) calls captured; invalid and repaired ones are always captured.',
    }),
    redact: redactConfigSchema,
    stream: Type.Object(
      {
        name: Type.String({
          default: 'toolgate:capture',
          description: 'Redis Stream key (used when REDIS_URL is set).',
        }),
        maxLen: Type.Integer({
          minimum: 1,
          default: 1_000_000,
          description: 'Approximate stream cap: XADD … MAXLEN ~ maxLen.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Capture of tool calls as training data (issue 5).' },
);

export type CaptureConfig = Static<typeof captureConfigSchema>;
export type RedactConfig = Static<typeof redactConfigSchema>;

/** Fills defaults and checks a (partial) capture section; throws with the first problem. */
export function resolveCaptureConfig(partial: unknown = {}): CaptureConfig {
  const value = Value.Default(captureConfigSchema, structuredClone(partial ?? {}));
  if (!Value.Check(captureConfigSchema, value)) {
    const first = Value.Errors(captureConfigSchema, value).First();
    throw new Error(`capture config: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  return value;
}
