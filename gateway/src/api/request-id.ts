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

export const requestId = () =>
  async function requestId(c: Context, next: Next): Promise<void> {
    const header = nodeIncoming(c)?.headers['x-request-id'];
    const incoming = typeof header === 'string' ? header : nodeIncoming(c) ? undefined : c.req.header('x-request-id');
    c.set('requestId', incoming && VALID.test(incoming) ? incoming : randomUUID());
    await next();
  };
