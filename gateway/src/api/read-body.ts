// Reads and parses a JSON request body within a byte limit: 413 above it (checked on the
// declared length first, then while streaming, so a chunked upload cannot exhaust memory),
// 400 for anything that is not a JSON object or nests deeper than MAX_JSON_DEPTH (checked on
// the text before parsing, so nothing recursive downstream ever sees a deeper value).
import type { IncomingMessage } from 'node:http';
import { JsonDepthError, MAX_JSON_DEPTH, parseJson } from '../toolcalls/index.js';
import { GatewayError } from './errors.js';

type Source = Request | IncomingMessage;

const isFetchRequest = (req: Source): req is Request => typeof Request !== 'undefined' && req instanceof Request;

/** Reads from Node's IncomingMessage when given one (fast path), else from the Fetch Request. */
export async function readJsonBody(
  req: Source,
  limitBytes: number,
): Promise<{ raw: Buffer; body: Record<string, unknown> }> {
  const declared = Number(
    isFetchRequest(req) ? (req.headers.get('content-length') ?? NaN) : (req.headers['content-length'] ?? NaN),
  );
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const raw = isFetchRequest(req) ? await readFetch(req, limitBytes) : await readNode(req, limitBytes);
  if (raw.length === 0)
    throw new GatewayError(400, 'Request body is empty; expected a JSON object.', { code: 'invalid_json' });
  let body: unknown;
  try {
    body = parseJson(raw.toString('utf8'), MAX_JSON_DEPTH);
  } catch (err) {
    if (err instanceof JsonDepthError) throw tooDeep(err.limit);
    throw new GatewayError(400, `Request body is not valid JSON: ${(err as Error).message}`, { code: 'invalid_json' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(400, 'Request body must be a JSON object.', { code: 'invalid_json' });
  }
  return { raw, body: body as Record<string, unknown> };
}

/**
 * Collects the body from 'data' events: an async iterator would cost a promise and an iterator
 * result per chunk. Over the limit, collection stops and the rest of the upload is discarded
 * (the stream keeps flowing with no listener) while the 413 goes out.
 */
function readNode(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        done();
        reject(tooLarge(limitBytes));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      reject(new Error('the client closed the connection before the request body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

async function readFetch(req: Request, limitBytes: number): Promise<Buffer> {
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (req.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, `Request body exceeds the limit of ${limit} bytes.`, { code: 'request_too_large' });
}

function tooDeep(limit: number): GatewayError {
  return new GatewayError(400, `Request body nests arrays/objects deeper than ${limit} levels.`, {
    code: 'json_too_deep',
  });
}
