// Errors in vLLM's shape: {"error": {"message", "type", "param", "code"}} where `type` is the
// exception class name (BadRequestError, NotFoundError, InternalServerError) and `code` is the
// HTTP status as a number — this differs from OpenAI (string codes) on purpose: it is what a
// gateway in front of vLLM actually receives.

export interface VllmErrorBody {
  error: { message: string; type: string; param: string | null; code: number };
}

const TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  405: 'MethodNotAllowed',
  413: 'BadRequestError',
  500: 'InternalServerError',
  501: 'NotImplementedError',
};

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'SimHttpError';
  }

  toBody(): VllmErrorBody {
    return vllmError(this.status, this.message, this.param);
  }
}

export function vllmError(status: number, message: string, param: string | null = null): VllmErrorBody {
  return { error: { message, type: TYPES[status] ?? 'BadRequestError', param, code: status } };
}

export const badRequest = (message: string, param: string | null = null) => new SimHttpError(400, message, param);
