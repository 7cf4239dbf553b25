// Headers a middleware adds to whatever response its request gets (the rate limit's
// x-ratelimit-* today). c.header() after next() alone is not enough: the proxy routes write their
// answer straight to Node's response (render-chat.ts), so there is no Response left for it to
// reach, and a stream's headers leave with its first event. They are kept on the context too.
import type { Context, Next } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';

declare module 'hono' {
  interface ContextVariableMap {
    responseHeaders: Record<string, string>;
  }
}

/** Adds `headers` to the response this request will get, whichever route answers it. */
export function addResponseHeaders(c: Context, headers: Record<string, string>): void {
  const current = c.get('responseHeaders');
  if (!current) {
    c.set('responseHeaders', headers);
    return;
  }
  for (const k in headers) current[k] = headers[k]!;
}

/** The headers middlewares added for this request (undefined: none). */
export function addedResponseHeaders(c: Context): Record<string, string> | undefined {
  return c.get('responseHeaders');
}

/**
 * Adds `headers` to this request's response and runs the rest of the chain: a route that writes
 * to Node itself sends them with its answer; a route's returned Response gets them here.
 */
export async function nextWithHeaders(c: Context, headers: Record<string, string>, next: Next): Promise<void> {
  addResponseHeaders(c, headers);
  await next();
  if (c.res !== RESPONSE_ALREADY_SENT) for (const k in headers) c.header(k, headers[k]);
}
