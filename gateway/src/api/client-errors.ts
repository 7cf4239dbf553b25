// Errors Node's HTTP parser raises before a request reaches the app (headers over the size limit,
// a malformed request line, a request that took too long to arrive, slowloris) are answered in
// OpenAI's error shape too, with the status Node itself would pick, instead of Node's empty
// default reply. The connection is closed after the answer, as Node does.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './errors.js';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** The status and message Node's default clientError handler would use for `code`. */
export function clientErrorStatus(code: string | undefined): { status: number; message: string; code: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'Request headers are too large.', code: 'request_headers_too_large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'Chunk extensions are too large.', code: 'request_too_large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request was not received in time.', code: 'request_timeout' };
    default:
      return { status: 400, message: 'Malformed HTTP request.', code: 'malformed_request' };
  }
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // Nothing can be written to a reset or already-answered socket.
    if (
      err.code === 'ECONNRESET' ||
      !socket.writable ||
      (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
    ) {
      socket.destroy();
      return;
    }
    const { status, message, code } = clientErrorStatus(err.code);
    const body = JSON.stringify(errorBody(message, 'invalid_request_error', code));
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
