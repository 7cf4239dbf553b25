// One client request as it moves through the gateway, and the plugin contract through which
// tool-call handling and experiments take part without the proxy knowing them. Plugins run in
// order; each sees the same Exchange.
import type { Backend } from '../routing/backend.js';
import type { ModelRoute } from '../routing/router.js';
import type { ResponseMeter } from '../upstream/response-meter.js';
import type { ChunkTransform } from '../upstream/stream-relay.js';
import type { Endpoint } from './validate-request.js';

export interface Exchange {
  readonly id: string;
  readonly endpoint: Endpoint;
  /** performance.now() at receipt. */
  readonly receivedAt: number;
  /** Request body; plugins may change it and must then set `bodyChanged`. */
  body: Record<string, unknown>;
  bodyChanged: boolean;
  /** Public model name the client asked for. */
  readonly model: string;
  readonly stream: boolean;
  readonly tools: unknown[] | null;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Pool and upstream model; a plugin (experiments) may set it, else the router resolves it. */
  route: ModelRoute | null;
  /** Variant label for metrics (experiments), default "default". */
  variant: string;
  /** Headers added to the client response. */
  readonly responseHeaders: Record<string, string>;
  backend: Backend | null;
  meter: ResponseMeter | null;
  /** Sends another non-stream request for this exchange to its backend (retry policies). */
  resend?: (body: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

export interface ExchangeResult {
  status: number;
  /** The final response body (non-stream) or null for streams. */
  json: Record<string, unknown> | null;
  error?: { kind: string; message: string };
  endedAt: number;
}

export interface ExchangePlugin {
  readonly name: string;
  /** Before routing. May rewrite the body, choose the route, or throw a GatewayError. */
  onRequest?(ex: Exchange): void | Promise<void>;
  /** Once, just before the first upstream dispatch: the request passed every check and is final. */
  onDispatch?(ex: Exchange): void;
  /**
   * A successful non-stream JSON response; returns the body to send, or nothing when it left the
   * response as it was (then the upstream's bytes are sent unchanged).
   */
  onCompletion?(ex: Exchange, json: Record<string, unknown>): Record<string, unknown> | void | Promise<Record<string, unknown> | void>;
  /** A transform for a successful stream, or null to pass bytes through. */
  streamTransform?(ex: Exchange): ChunkTransform | null;
  /** After the response has ended, successfully or not. Must not throw. */
  onFinish?(ex: Exchange, result: ExchangeResult): void;
}
