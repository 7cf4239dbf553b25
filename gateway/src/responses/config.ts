// The `responses` config section: how long stored responses (`store`, `previous_response_id`,
// GET/DELETE /v1/responses/{id}) are kept, in Redis when configured, else in this process.
import { Type } from '@sinclair/typebox';

export const responsesConfigSchema = Type.Object(
  {
    ttlSeconds: Type.Integer({
      minimum: 1,
      default: 86_400,
      description: 'A stored response (and its items) expires this long after it was written.',
    }),
    maxEntries: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'In-memory store only: most responses kept (least recently used ones go first).',
    }),
    maxStoredBytes: Type.Integer({
      minimum: 1024,
      default: 4 * 1024 * 1024,
      description:
        'Largest stored entry (response, its conversation and input); a larger one is not stored (the response says `store: false`).',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Stored responses (POST /v1/responses with `store`, the default).',
  },
);
