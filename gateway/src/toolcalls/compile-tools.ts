// Tool admission: validates a request's `tools` once (names, JSON Schema, limits) and compiles
// every schema through the validator cache. Invalid input is a 400 in OpenAI's error shape that
// names the tool and the problem, before anything reaches an upstream.
import { createHash } from 'node:crypto';
import { GatewayError } from '../api/errors.js';
import { isPlainObject } from './json-text.js';
import { NameResolver } from './resolve-name.js';
import { DEFAULT_SCHEMA_LIMITS, schemaLimitViolation, type SchemaLimits } from './schema-limits.js';
import type { ToolDef } from './types.js';
import { defaultValidatorCache, ValidatorCache, type CompiledSchema } from './validator-cache.js';

export interface CompiledTool {
  name: string;
  def: ToolDef;
  /** The schema arguments are checked against (`parameters`, or "only {}" when absent). */
  schema: Record<string, unknown>;
  validator: CompiledSchema;
}

export interface CompiledTools {
  readonly kind: 'compiled-tools';
  tools: CompiledTool[];
  byName: Map<string, CompiledTool>;
  resolver: NameResolver;
}

export interface CompileOptions {
  limits?: Partial<SchemaLimits>;
  cache?: ValidatorCache;
}

// A tool without parameters takes no arguments (OpenAI semantics; docs/reward-spec.md).
const NO_PARAMETERS: Record<string, unknown> = { type: 'object', properties: {}, additionalProperties: false };
const NAME = /^[A-Za-z0-9_.:\-]{1,64}$/;

export const invalidTool = (index: number, message: string, field = 'function.parameters'): GatewayError =>
  new GatewayError(400, message, { code: 'invalid_tool_schema', param: `tools[${index}].${field}` });

export function isCompiledTools(v: unknown): v is CompiledTools {
  return isPlainObject(v) && v.kind === 'compiled-tools';
}

// Whole-list memo: the same tools array (by content) arrives on every request of an agent.
const listMemo = new Map<string, CompiledTools>();
const LIST_MEMO_CAP = 256;
// Same array object again (eval loops, the scorer, a caller that keeps its tools): no hashing at all.
const identityMemo = new WeakMap<object, CompiledTools>();

/** Validates and compiles `tools`; throws GatewayError 400 (code `invalid_tool_schema`) on bad input. */
export function compileTools(tools: unknown, opts: CompileOptions = {}): CompiledTools {
  const limits = { ...DEFAULT_SCHEMA_LIMITS, ...opts.limits };
  const cache = opts.cache ?? defaultValidatorCache;
  if (tools === undefined || tools === null) tools = [];
  if (!Array.isArray(tools)) throw new GatewayError(400, '`tools` must be an array', { code: 'invalid_tool_schema', param: 'tools' });
  if (tools.length > limits.maxTools) {
    throw new GatewayError(400, `too many tools: ${tools.length} (limit ${limits.maxTools})`, { code: 'invalid_tool_schema', param: 'tools' });
  }
  // keyed by the native serialization (fast); the same client sends the same bytes every time
  const byIdentity = opts.limits === undefined && opts.cache === undefined ? identityMemo.get(tools) : undefined;
  if (byIdentity) return byIdentity;
  const memoKey = opts.limits === undefined && opts.cache === undefined ? createHash('sha1').update(JSON.stringify(tools)).digest('base64') : null;
  const memo = memoKey !== null ? listMemo.get(memoKey) : undefined;
  if (memo) {
    identityMemo.set(tools, memo);
    return memo;
  }

  const compiled: CompiledTool[] = [];
  const byName = new Map<string, CompiledTool>();
  tools.forEach((raw: unknown, i: number) => {
    if (!isPlainObject(raw) || !isPlainObject(raw.function)) throw invalidTool(i, `tools[${i}] must be {"type":"function","function":{…}}`, 'function');
    if (raw.type !== undefined && raw.type !== 'function') throw invalidTool(i, `tools[${i}] has type ${JSON.stringify(raw.type)}; only "function" is supported`, 'type');
    const fn = raw.function;
    const name = fn.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw invalidTool(i, `tools[${i}] has an invalid function name ${JSON.stringify(name)} (1-64 of A-Z a-z 0-9 _ . : -)`, 'function.name');
    }
    if (byName.has(name)) throw invalidTool(i, `tools[${i}]: duplicate function name '${name}'`, 'function.name');
    const params = fn.parameters;
    if (params !== undefined && params !== null && !isPlainObject(params)) {
      throw invalidTool(i, `tool '${name}': function.parameters must be a JSON Schema object`);
    }
    const schema = isPlainObject(params) ? params : NO_PARAMETERS;
    const violation = schemaLimitViolation(schema, limits);
    if (violation) throw invalidTool(i, `tool '${name}': ${violation}`);
    let validator: CompiledSchema;
    try {
      validator = cache.get(schema);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw invalidTool(i, `tool '${name}': invalid JSON Schema in function.parameters: ${why}`);
    }
    const tool: CompiledTool = { name, def: raw as unknown as ToolDef, schema, validator };
    compiled.push(tool);
    byName.set(name, tool);
  });
  const result: CompiledTools = { kind: 'compiled-tools', tools: compiled, byName, resolver: new NameResolver([...byName.keys()]) };
  if (memoKey !== null) {
    identityMemo.set(tools, result);
    listMemo.set(memoKey, result);
    if (listMemo.size > LIST_MEMO_CAP) listMemo.delete(listMemo.keys().next().value as string);
  }
  return result;
}
