// Request ids: taken from a well-formed incoming `x-request-id`, else generated; available to
// handlers as c.get('requestId') and echoed in the response.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'hono';
import { nodeIncoming } from './node-bindings.js';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
  }
}

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

// Not async: it only sets a variable, so it hands back next()'s promise instead of adding one.
export const requestId = () =>
  function requestId(c: Context, next: Next): Promise<void> {
    const node = nodeIncoming(c);
    const header = node ? node.headers['x-request-id'] : c.req.header('x-request-id');
    c.set('requestId', typeof header === 'string' && VALID.test(header) ? header : randomUUID());
    return next();
  };
