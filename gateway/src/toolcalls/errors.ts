// The errors the tool-call engine throws. The engine knows nothing of HTTP: each caller decides
// what a refusal means to it (the gateway maps these to OpenAI-shaped errors in api/errors.ts).

/** The caller's input is refused: `code` names the problem, `param` the field at fault (e.g. `tools[0].function.name`). */
export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';

  constructor(
    message: string,
    readonly code: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** The engine cannot take the work now (its schema compile queue is full); the same input may pass moments later. */
export class EngineBusyError extends Error {
  override readonly name = 'EngineBusyError';
}
