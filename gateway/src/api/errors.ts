// OpenAI-shaped errors: {"error": {"message", "type", "param", "code"}}. Every error the gateway
// (or any Toolgate server) returns goes through here so status, type and code stay consistent;
// the tool-call engine's own errors (toolcalls/errors.ts) are mapped here too.
import { EngineBusyError, ToolInputError } from '../toolcalls/index.js';

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'upstream_error'
  | 'timeout_error';

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType | string; param: string | null; code: string | null };
}

/** An error that carries its HTTP status and OpenAI error body; thrown inside handlers, rendered once. */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType | string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    opts: {
      type?: OpenAIErrorType | string;
      code?: string | null;
      param?: string | null;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.type = opts.type ?? defaultType(status);
    this.code = opts.code ?? null;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    return errorBody(this.message, this.type, this.code, this.param);
  }
}

export function errorBody(
  message: string,
  type: OpenAIErrorType | string,
  code: string | null = null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

export function defaultType(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * The gateway's error for `err`, or null when it is not one the gateway knows (a bug: a 500):
 * a GatewayError as it is; the engine's refusals in OpenAI's shape — bad input a 400 with the
 * engine's code and param, a busy engine a 503 `overloaded` to retry in a second.
 */
export function asGatewayError(err: unknown): GatewayError | null {
  if (err instanceof GatewayError) return err;
  if (err instanceof ToolInputError) return new GatewayError(400, err.message, { code: err.code, param: err.param });
  if (err instanceof EngineBusyError)
    return new GatewayError(503, err.message, { code: 'overloaded', headers: { 'retry-after': '1' } });
  return null;
}
