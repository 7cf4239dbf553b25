// One request as it moves through the gateway, and the plugin contract through which tool-call
// handling, experiments and capture take part without the proxy knowing them. Plugins run in
// their configured order; each sees the same Exchange and shares typed state through `state`.
// The whole contract, hook by hook, is documented in docs/extending.md ("A plugin").
import type { Backend } from '../routing/backend.js';
import type { ModelRoute } from '../routing/router.js';
import type { ResponseMeter } from '../upstream/response-meter.js';
import type { AnswerTransform } from './answer-transform.js';
import { ExchangeState } from './exchange-state.js';
import { hasOwn, withFields } from '../toolcalls/index.js';
import type { Endpoint } from './validate-request.js';

/** The client's request (primary) or a mirrored copy sent to another variant (shadow). */
export type ExchangeRole = 'primary' | 'shadow';

/** The API the client called: the upstream endpoint itself, or /v1/responses translated to chat. */
export type ClientApi = Endpoint | 'responses';

export interface ExchangeInit {
  id: string;
  endpoint: Endpoint;
  /** The API the client called (metrics label); defaults to `endpoint`. */
  api?: ClientApi;
  role: ExchangeRole;
  receivedAt: number;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  tools: unknown[] | null;
  headers: Readonly<Record<string, string>>;
  route?: ModelRoute | null;
  variant?: string;
}

export class Exchange {
  readonly id: string;
  /** The upstream endpoint this exchange calls. */
  readonly endpoint: Endpoint;
  /** The API the client called: `responses` for a model call made on behalf of /v1/responses. */
  readonly api: ClientApi;
  readonly role: ExchangeRole;
  /** performance.now() at receipt. */
  readonly receivedAt: number;
  /** Public model name the client asked for. */
  readonly model: string;
  readonly stream: boolean;
  readonly tools: unknown[] | null;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Pool and upstream model; a plugin (experiments) may set it in onRequest, else the router resolves it. */
  route: ModelRoute | null;
  /** Variant label for metrics (experiments), default "default". */
  variant: string;
  /** Headers added to the client response (read when the response starts). */
  readonly responseHeaders: Record<string, string> = {};
  backend: Backend | null = null;
  meter: ResponseMeter | null = null;
  /** Typed state plugins share (see exchange-state.ts). */
  readonly state = new ExchangeState();
  /** Sends another non-stream request for this exchange to its backend (the retry policy's re-ask). */
  resend?: (body: Record<string, unknown>) => Promise<Record<string, unknown>>;

  private _body: Record<string, unknown>;
  private changed = false;
  /** Fields sent to this exchange's upstream only (never seen by the shadow copy or capture). */
  private readonly upstreamFields: Record<string, unknown> = {};

  constructor(init: ExchangeInit) {
    this.id = init.id;
    this.endpoint = init.endpoint;
    this.api = init.api ?? init.endpoint;
    this.role = init.role;
    this.receivedAt = init.receivedAt;
    this._body = init.body;
    this.model = init.model;
    this.stream = init.stream;
    this.tools = init.tools;
    this.headers = init.headers;
    this.route = init.route ?? null;
    this.variant = init.variant ?? 'default';
  }

  /** The request body as the client sent it, with plugins' edits. */
  get body(): Readonly<Record<string, unknown>> {
    return this._body;
  }

  /** Whether any plugin edited the body (then it is serialized again, else the client's bytes are sent). */
  get bodyChanged(): boolean {
    return this.changed;
  }

  /** Edits one body field (e.g. repaired history); the change reaches the upstream, the shadow and capture. */
  setBodyField(key: string, value: unknown): void {
    this._body[key] = value;
    this.changed = true;
  }

  /** Overrides one field in what this exchange's upstream receives only (e.g. tool_choice for the parse mode). */
  setUpstreamField(key: string, value: unknown): void {
    this.upstreamFields[key] = value;
  }

  /** The body this exchange's upstream receives. */
  upstreamBody(): Record<string, unknown> {
    return Object.keys(this.upstreamFields).length === 0 ? this._body : withFields(this._body, this.upstreamFields);
  }

  /**
   * The bytes this exchange's upstream receives, given the client's own (`raw`): those when
   * nothing changed; when only upstream fields the body lacks were added (the parse mode's
   * tool_choice), the client's bytes with those members appended before the closing brace, so a
   * body carrying thirty tool schemas is not serialized again; otherwise the body serialized.
   */
  upstreamPayload(raw: string | Buffer): string | Buffer {
    const keys = Object.keys(this.upstreamFields).filter((k) => this.upstreamFields[k] !== undefined);
    if (!this.changed && keys.length === 0) return raw;
    if (this.changed || keys.some((k) => hasOwn(this._body, k))) return JSON.stringify(this.upstreamBody());
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const close = bytes.lastIndexOf(0x7d); // `}`: raw parsed as an object, so its last brace closes it
    const members = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(this.upstreamFields[k])}`).join(',');
    const comma = Object.keys(this._body).length > 0 ? ',' : '';
    return Buffer.concat([bytes.subarray(0, close), Buffer.from(comma + members), bytes.subarray(close)]);
  }
}

export interface ExchangeResult {
  status: number;
  /** The final response body (whole answers) or null for streams. */
  json: Record<string, unknown> | null;
  error?: { kind: string; message: string };
  endedAt: number;
}

/**
 * Hooks, in the order they fire for one exchange. Every hook is optional; plugins run in order.
 * A shadow exchange (role 'shadow') runs every hook too, but only with the plugins the shadow
 * runner was given (server.ts: the tool-call plugin alone).
 */
export interface ExchangePlugin {
  readonly name: string;
  /** Once per exchange, before routing (a shadow's route is already set). May edit the body (setBodyField), choose the route, or throw a GatewayError (the client gets it). */
  onRequest?(ex: Exchange): void | Promise<void>;
  /**
   * Once per exchange, with the route known, just before the first upstream dispatch (retries on
   * other backends of the pool reuse it). The body is final; a plugin may set upstream-only fields.
   */
  onDispatch?(ex: Exchange): void;
  /**
   * The transform for this exchange's answer, streamed or whole (answer-transform.ts), or null to
   * leave it untouched. Called once per answer read; a transform may throw a GatewayError to refuse
   * the answer (an HTTP error while the response has not started, an error event after).
   */
  answer?(ex: Exchange): AnswerTransform | null;
  /** After the response has ended, successfully or not. Must not throw. */
  onFinish?(ex: Exchange, result: ExchangeResult): void;
}
