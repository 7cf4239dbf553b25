// The HTTP layer's view of the tool-call engine's errors: the engine throws its own classes
// (toolcalls/errors.ts) and asGatewayError gives each the status, type, code and param the
// gateway has always answered with; anything else is not the gateway's to shape (a 500).
import { describe, expect, it } from 'vitest';
import { GatewayError, asGatewayError } from '../../src/api/errors.js';
import { compileTools, EngineBusyError, repairHistory, ToolInputError } from '../../src/toolcalls/index.js';

function refusalOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    const mapped = asGatewayError(err);
    if (mapped) return mapped;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('asGatewayError', () => {
  it('answers a refused tool schema with a 400 invalid_request_error naming the tool', () => {
    const err = refusalOf(() =>
      compileTools([{ type: 'function', function: { name: 'f', parameters: { type: 'strnig' } } }]),
    );
    expect(err.status).toBe(400);
    expect(err.headers).toEqual({});
    expect(err.toBody()).toEqual({
      error: {
        message: expect.stringMatching(/^tool 'f': invalid JSON Schema/),
        type: 'invalid_request_error',
        param: 'tools[0].function.parameters',
        code: 'invalid_tool_schema',
      },
    });
  });

  it('keeps the engine code of a history refusal', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const err = refusalOf(() =>
      repairHistory([
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: `{"a":${deep}}` } }],
        },
      ]),
    );
    expect(err.status).toBe(400);
    expect(err.toBody().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'json_too_deep',
      param: 'messages[0].tool_calls[0].function.arguments',
    });
  });

  it('answers a busy engine with a 503 overloaded and retry-after', () => {
    const err = asGatewayError(new EngineBusyError('tool schemas cannot be compiled right now: queue full'));
    expect(err?.status).toBe(503);
    expect(err?.headers).toEqual({ 'retry-after': '1' });
    expect(err?.toBody()).toEqual({
      error: {
        message: 'tool schemas cannot be compiled right now: queue full',
        type: 'server_error',
        param: null,
        code: 'overloaded',
      },
    });
  });

  it('passes a GatewayError through and leaves other errors alone', () => {
    const own = new GatewayError(404, 'nope');
    expect(asGatewayError(own)).toBe(own);
    expect(asGatewayError(new Error('bug'))).toBeNull();
    expect(asGatewayError('text')).toBeNull();
    expect(new ToolInputError('m', 'c', null)).toBeInstanceOf(Error);
  });
});
