// Optional API-key check for the OpenAI routes: `Authorization: Bearer <key>`. With no keys
// configured it is a no-op. A missing or unknown key gets 401 in OpenAI's shape with code
// `invalid_api_key` (like api.openai.com); the presented key is never echoed or logged. On success
// the key's non-secret id is set as the context variable `apiKeyId` (rate limits, logs).
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { ApiKeyStore } from '../state/api-keys.js';
import type { Logger } from '../telemetry/log.js';
import type { Metrics } from '../telemetry/metrics.js';
import { GatewayError } from './errors.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** First 16 hex chars of the SHA-256 of the caller's API key (set by apiKeyAuth). */
    apiKeyId: string;
  }
}

export interface ApiKeyAuthOptions {
  keys: ApiKeyStore;
  metrics?: Pick<Metrics, 'authFailures'>;
  logger?: Logger;
  /** Requests for which no key is needed (e.g. health probes); default: none. */
  skip?: (c: Context) => boolean;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const apiKeyAuth = (opts: ApiKeyAuthOptions): MiddlewareHandler =>
  async function apiKeyAuth(c: Context, next: Next) {
    if (!opts.keys.enabled || opts.skip?.(c)) return next();
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    const id = presented ? opts.keys.verify(presented) : null;
    if (!id) {
      opts.metrics?.authFailures.inc();
      opts.logger?.info('auth: request refused', {
        reason: presented ? 'unknown_key' : 'missing_key',
        path: c.req.path,
      });
      const err = new GatewayError(
        401,
        presented
          ? 'Incorrect API key provided. Check the key you passed in the Authorization header.'
          : "You didn't provide an API key. Pass it in the Authorization header: 'Authorization: Bearer YOUR_KEY'.",
        { type: 'invalid_request_error', code: 'invalid_api_key' },
      );
      return c.json(err.toBody(), 401, { 'WWW-Authenticate': 'Bearer' });
    }
    c.set('apiKeyId', id);
    await next();
  };
