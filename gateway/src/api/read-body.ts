// Reads and parses a JSON request body within a byte limit: 413 above it (checked on the
// declared length first, then while streaming, so a chunked upload cannot exhaust memory),
// 400 for anything that is not a JSON object.
import { GatewayError } from './errors.js';

export async function readJsonBody(req: Request, limitBytes: number): Promise<{ raw: Buffer; body: Record<string, unknown> }> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
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
  }
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) throw new GatewayError(400, 'Request body is empty; expected a JSON object.', { code: 'invalid_json' });
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new GatewayError(400, `Request body is not valid JSON: ${(err as Error).message}`, { code: 'invalid_json' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(400, 'Request body must be a JSON object.', { code: 'invalid_json' });
  }
  return { raw, body: body as Record<string, unknown> };
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, `Request body exceeds the limit of ${limit} bytes.`, { code: 'request_too_large' });
}
