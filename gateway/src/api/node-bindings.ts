// Direct access to Node's request/response under @hono/node-server. The hot path reads the body,
// headers and disconnects from them instead of the Fetch `Request`, whose lazy construction (a
// web ReadableStream, a Headers object, an AbortSignal) costs more than the proxying itself.
// Outside node-server (app.request() in tests) these return null and callers use the Request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

export function nodeIncoming(c: Context): IncomingMessage | null {
  return (c.env as NodeBindings | undefined)?.incoming ?? null;
}

export function nodeOutgoing(c: Context): ServerResponse | null {
  return (c.env as NodeBindings | undefined)?.outgoing ?? null;
}

/** Lower-cased request headers as a plain object (first value of repeated ones). */
export function requestHeaders(c: Context): Record<string, string> {
  const incoming = nodeIncoming(c);
  const out: Record<string, string> = {};
  if (incoming) {
    const h = incoming.headers;
    for (const k in h) {
      const v = h[k];
      if (v !== undefined) out[k] = typeof v === 'string' ? v : v[0]!;
    }
  } else c.req.raw.headers.forEach((value, key) => (out[key] = value));
  return out;
}

/** Calls `onClose` once if the client goes away before the response finished. */
export function onClientGone(c: Context, onClose: () => void): void {
  const outgoing = nodeOutgoing(c);
  if (outgoing) {
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) onClose();
    });
    return;
  }
  const signal = c.req.raw.signal;
  if (signal.aborted) onClose();
  else signal.addEventListener('abort', onClose, { once: true });
}
