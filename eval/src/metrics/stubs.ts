// Executable rate: every tool becomes a stub function that validates its arguments against the
// tool's JSON Schema (no coercion, no repair) and returns a deterministic result, so "the call
// would have run" is checked by actually calling something, the way an agent loop would. The
// validators are the engine's compiled ones (same draft-07 Ajv, compiled once per tool list).
import { createHash } from 'node:crypto';
import type { CompiledTools } from './engine.js';

export type StubResult = { ok: true; result: string } | { ok: false; error: string };
export type Stub = (args: unknown) => StubResult;

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function buildStubs(compiled: CompiledTools): Map<string, Stub> {
  const stubs = new Map<string, Stub>();
  for (const tool of compiled.tools) {
    const { name } = tool;
    const validate = tool.validator.validate;
    stubs.set(name, (args) => {
      if (typeof args !== 'object' || args === null || Array.isArray(args))
        return { ok: false, error: 'arguments must be an object' };
      if (!validate(args))
        return {
          ok: false,
          error: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '),
        };
      const digest = createHash('sha256')
        .update(`${name}\n${stableJson(args)}`)
        .digest('hex')
        .slice(0, 16);
      return { ok: true, result: `${name}:${digest}` };
    });
  }
  return stubs;
}
