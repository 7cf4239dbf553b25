// Executable rate: every tool becomes a stub function that validates its arguments against the
// tool's JSON Schema (no coercion, no repair) and returns a deterministic result, so "the call
// would have run" is checked by actually calling something, the way an agent loop would.
import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { OpenAiTool } from '../bfcl/bfcl-data.js';

export type StubResult = { ok: true; result: string } | { ok: false; error: string };
export type Stub = (args: unknown) => StubResult;

const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function buildStubs(tools: OpenAiTool[]): Map<string, Stub> {
  const stubs = new Map<string, Stub>();
  for (const t of tools) {
    const name = t.function.name;
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(t.function.parameters ?? { type: 'object', properties: {}, additionalProperties: false });
    } catch (err) {
      const msg = `schema of ${name} does not compile: ${(err as Error).message}`;
      stubs.set(name, () => ({ ok: false, error: msg }));
      continue;
    }
    stubs.set(name, (args) => {
      if (typeof args !== 'object' || args === null || Array.isArray(args)) return { ok: false, error: 'arguments must be an object' };
      if (!validate(args)) return { ok: false, error: ajv.errorsText(validate.errors) };
      const digest = createHash('sha256').update(`${name}\n${stableJson(args)}`).digest('hex').slice(0, 16);
      return { ok: true, result: `${name}:${digest}` };
    });
  }
  return stubs;
}
