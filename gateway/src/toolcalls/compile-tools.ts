// Tool admission: validates a request's `tools` once (names, JSON Schema, limits, expansion) and
// compiles every schema through the validator cache. Invalid input is a ToolInputError (code
// `invalid_tool_schema`) that names the tool and the problem; the gateway answers it with a 400
// before anything reaches an upstream.
//   compileTools()          compiles cache misses on the calling thread (CLI, eval, tests)
//   compileToolsOffThread() compiles them in the worker pool within a time budget (the
//                           gateway's request path: the event loop never runs Ajv's codegen)
import { EngineBusyError, ToolInputError } from './errors.js';
import { isPlainObject } from './json-text.js';
import { jsonOnce } from './json-once.js';
import { NameResolver } from './resolve-name.js';
import { DEFAULT_SCHEMA_LIMITS, schemaLimitViolation, type SchemaLimits } from './schema-limits.js';
import type { ToolDef } from './types.js';
import { defaultValidatorCache, SchemaCompileError, ValidatorCache, type CompiledSchema } from './validator-cache.js';

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

export interface OffThreadOptions extends CompileOptions {
  /** Budget for checking and compiling one schema in the worker (default 10 s); over it → ToolInputError. */
  compileTimeoutMs?: number;
}

// Generous: the worker's wall time stretches with the machine's load, and the budget only has
// to stop the pathological schema, not a large legitimate one on a busy host.
export const DEFAULT_COMPILE_TIMEOUT_MS = 10_000;

// A tool without parameters takes no arguments (OpenAI semantics; docs/reward-spec.md).
const NO_PARAMETERS: Record<string, unknown> = { type: 'object', properties: {}, additionalProperties: false };
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

const invalidTool = (index: number, message: string, field = 'function.parameters'): ToolInputError =>
  new ToolInputError(message, 'invalid_tool_schema', `tools[${index}].${field}`);

export function isCompiledTools(v: unknown): v is CompiledTools {
  return isPlainObject(v) && v.kind === 'compiled-tools';
}

/** A tool whose definition passed the shape checks (its schema is checked with its compile). */
interface AdmittedTool {
  index: number;
  name: string;
  def: ToolDef;
  schema: Record<string, unknown>;
  hash: string;
}

// Whole-list memo of admitted (fully checked) tool lists — not of validators: those live in the
// byte-bounded cache. The same tools array arrives on every request of an agent. Keyed by the
// limits, then by the list's JSON itself: V8 hashes a string natively and keeps the hash on it,
// cheaper than a digest object per request (jsonOnce's string is the prefix router's key too).
interface MemoEntry {
  admitted: AdmittedTool[];
  bytes: number;
}
const listMemo = new Map<string, Map<string, MemoEntry>>();
let listMemoBytes = 0;
const LIST_MEMO_BYTES = 16 * 1024 * 1024;
// Same array object again (eval loops, the scorer, a caller that keeps its tools): no hashing at all.
const identityMemo = new WeakMap<object, { limitsKey: string; admitted: AdmittedTool[] }>();
// The assembled result for an admitted list, while its validators are the ones it was built with.
const assembled = new WeakMap<AdmittedTool[], CompiledTools>();

interface Admission {
  tools: unknown[];
  limits: SchemaLimits;
  limitsKey: string;
  /** Set when the list was admitted before under the same limits. */
  remembered: AdmittedTool[] | null;
  /** The list's JSON (the memo key), or null when it was recognised by identity. */
  text: string | null;
  bytes: number;
}

function admitShape(raw: unknown, i: number, seen: Set<string>): AdmittedTool {
  if (!isPlainObject(raw) || !isPlainObject(raw.function))
    throw invalidTool(i, `tools[${i}] must be {"type":"function","function":{…}}`, 'function');
  if (raw.type !== undefined && raw.type !== 'function')
    throw invalidTool(i, `tools[${i}] has type ${JSON.stringify(raw.type)}; only "function" is supported`, 'type');
  const fn = raw.function;
  const name = fn.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalidTool(
      i,
      `tools[${i}] has an invalid function name ${JSON.stringify(name)} (1-64 of A-Z a-z 0-9 _ . : -)`,
      'function.name',
    );
  }
  if (seen.has(name)) throw invalidTool(i, `tools[${i}]: duplicate function name '${name}'`, 'function.name');
  seen.add(name);
  const params = fn.parameters;
  if (params !== undefined && params !== null && !isPlainObject(params)) {
    throw invalidTool(i, `tool '${name}': function.parameters must be a JSON Schema object`);
  }
  const schema = isPlainObject(params) ? params : NO_PARAMETERS;
  return { index: i, name, def: raw as unknown as ToolDef, schema, hash: ValidatorCache.hashOf(schema) };
}

// The limits an options object resolves to, and their key, computed once per limits object.
const resolvedLimits = new WeakMap<object, { limits: SchemaLimits; limitsKey: string }>();
const NO_LIMITS = {};

function limitsOf(opts: CompileOptions): { limits: SchemaLimits; limitsKey: string } {
  const given = opts.limits ?? NO_LIMITS;
  let r = resolvedLimits.get(given);
  if (!r) {
    const limits = { ...DEFAULT_SCHEMA_LIMITS, ...given };
    r = { limits, limitsKey: JSON.stringify(limits) };
    resolvedLimits.set(given, r);
  }
  return r;
}

/** The list-level checks (array, count, total size) and the memo lookup. */
function beginAdmission(tools: unknown, opts: CompileOptions): Admission {
  const { limits, limitsKey } = limitsOf(opts);
  if (tools === undefined || tools === null) tools = [];
  if (!Array.isArray(tools)) throw new ToolInputError('`tools` must be an array', 'invalid_tool_schema', 'tools');
  if (tools.length > limits.maxTools) {
    throw new ToolInputError(
      `too many tools: ${tools.length} (limit ${limits.maxTools})`,
      'invalid_tool_schema',
      'tools',
    );
  }
  const byIdentity = identityMemo.get(tools);
  if (byIdentity?.limitsKey === limitsKey)
    return { tools, limits, limitsKey, remembered: byIdentity.admitted, text: null, bytes: 0 };
  // The list came in a request body (bounded by the body limit, depth-checked), so serializing it
  // costs no more than its parse did; the prefix router needs the same string anyway (jsonOnce).
  const text = jsonOnce(tools);
  const max = limits.maxTotalSchemaBytes;
  // UTF-8 takes 1–3 bytes per UTF-16 unit: count them only when the length cannot decide.
  const bytes = text.length > max || text.length * 3 <= max ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > max) {
    throw new ToolInputError(
      `tools take ${Buffer.byteLength(text, 'utf8')} bytes of JSON; the limit is ${max}`,
      'invalid_tool_schema',
      'tools',
    );
  }
  // A hit is not added to identityMemo: a request body's array is new every time, and a WeakMap
  // insert per request only grows the table the scavenger has to walk.
  const memo = listMemo.get(limitsKey)?.get(text);
  return { tools, limits, limitsKey, remembered: memo?.admitted ?? null, text, bytes };
}

function admitShapes(a: Admission): AdmittedTool[] {
  const seen = new Set<string>();
  return a.tools.map((raw: unknown, i: number) => admitShape(raw, i, seen));
}

function remember(a: Admission, admitted: AdmittedTool[]): void {
  identityMemo.set(a.tools, { limitsKey: a.limitsKey, admitted });
  if (a.text === null) return;
  let byText = listMemo.get(a.limitsKey);
  if (!byText) listMemo.set(a.limitsKey, (byText = new Map<string, MemoEntry>()));
  // The key holds the list's JSON and the entry its parsed tools: about the size of the JSON each.
  const bytes = 2 * a.bytes;
  byText.set(a.text, { admitted, bytes });
  listMemoBytes += bytes;
  // Oldest first within each limits key (there are few: one per configuration).
  for (const [limitsKey, entries] of listMemo) {
    for (const [text, e] of entries) {
      if (listMemoBytes <= LIST_MEMO_BYTES) return;
      entries.delete(text);
      listMemoBytes -= e.bytes;
    }
    if (entries.size === 0) listMemo.delete(limitsKey);
  }
}

function assemble(admitted: AdmittedTool[], validators: CompiledSchema[]): CompiledTools {
  const known = assembled.get(admitted);
  if (known && known.tools.every((t, k) => t.validator === validators[k])) return known;
  const tools = admitted.map((a, k): CompiledTool => ({
    name: a.name,
    def: a.def,
    schema: a.schema,
    validator: validators[k]!,
  }));
  const byName = new Map(tools.map((t) => [t.name, t]));
  const result: CompiledTools = {
    kind: 'compiled-tools',
    tools,
    byName,
    resolver: new NameResolver([...byName.keys()]),
  };
  assembled.set(admitted, result);
  return result;
}

const compileFailure = (a: AdmittedTool, err: unknown): ToolInputError | EngineBusyError => {
  const why = err instanceof Error ? err.message : String(err);
  if (err instanceof SchemaCompileError) {
    if (err.reason === 'limit') return invalidTool(a.index, `tool '${a.name}': ${why}`);
    if (err.reason === 'overloaded') return new EngineBusyError(`tool schemas cannot be compiled right now: ${why}`);
    if (err.reason !== 'invalid')
      return invalidTool(a.index, `tool '${a.name}': schema too costly to compile (${why}); simplify or split it`);
  }
  return invalidTool(a.index, `tool '${a.name}': invalid JSON Schema in function.parameters: ${why}`);
};

/** Validates and compiles `tools` on this thread; throws ToolInputError (code `invalid_tool_schema`) on bad input. */
export function compileTools(tools: unknown, opts: CompileOptions = {}): CompiledTools {
  const cache = opts.cache ?? defaultValidatorCache;
  const a = beginAdmission(tools, opts);
  const admitted = a.remembered ?? admitShapes(a);
  const validators = admitted.map((t) => {
    if (!a.remembered) {
      const violation = schemaLimitViolation(t.schema, a.limits);
      if (violation) throw invalidTool(t.index, `tool '${t.name}': ${violation}`);
    }
    try {
      const v = cache.get(t.schema, t.hash);
      v.checkedUnder.add(a.limitsKey);
      return v;
    } catch (err) {
      throw compileFailure(t, err);
    }
  });
  if (!a.remembered) remember(a, admitted);
  return assemble(admitted, validators);
}

/**
 * Schemas up to this size are checked and compiled on the calling thread even on the request
 * path: a worker round trip (and a cold worker's start) costs more than the work, and the
 * admission checks — the expansion budget among them — bound even a hostile small schema.
 */
const INLINE_SCHEMA_BYTES = 2048;

/** One small schema, checked and compiled here (as compileTools does), as a settled promise. */
function compileInline(t: AdmittedTool, a: Admission, cache: ValidatorCache): Promise<CompiledSchema> {
  try {
    const violation = schemaLimitViolation(t.schema, a.limits);
    if (violation) return Promise.reject(new SchemaCompileError(violation, 'limit'));
    const v = cache.get(t.schema, t.hash);
    v.checkedUnder.add(a.limitsKey);
    return Promise.resolve(v);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Every tool's cached validator, already checked under these limits; null when one is not. */
function knownValidators(admitted: AdmittedTool[], limitsKey: string, cache: ValidatorCache): CompiledSchema[] | null {
  const out: CompiledSchema[] = [];
  for (const t of admitted) {
    const v = cache.checked(t.hash, limitsKey);
    if (!v) return null;
    out.push(v);
  }
  return out;
}

/**
 * compileTools for the request path: the same checks, with every schema not yet known to pass
 * them checked and compiled in the worker pool, each within `compileTimeoutMs` (small ones on
 * this thread, see INLINE_SCHEMA_BYTES). The event loop does the list-level checks, hashing and
 * loading the finished code. A schema over its budget (time or memory) is a ToolInputError naming
 * the tool; a full compile queue is an EngineBusyError.
 */
export async function compileToolsOffThread(tools: unknown, opts: OffThreadOptions = {}): Promise<CompiledTools> {
  const cache = opts.cache ?? defaultValidatorCache;
  const a = beginAdmission(tools, opts);
  const admitted = a.remembered ?? admitShapes(a);
  // The usual request: a list admitted before whose validators are all still cached. No promise
  // per tool then (30 tools: 30 promises and an allSettled per request otherwise).
  if (a.remembered) {
    const known = knownValidators(admitted, a.limitsKey, cache);
    if (known) return assemble(admitted, known);
  }
  const job = { limits: a.limits, timeoutMs: opts.compileTimeoutMs ?? DEFAULT_COMPILE_TIMEOUT_MS };
  const results = await Promise.allSettled(
    admitted.map((t) => {
      const known = cache.checked(t.hash, a.limitsKey);
      if (known) return Promise.resolve(known);
      const small = Buffer.byteLength(JSON.stringify(t.schema), 'utf8') <= INLINE_SCHEMA_BYTES;
      return small ? compileInline(t, a, cache) : cache.getOffThread(t.schema, job, t.hash);
    }),
  );
  // The first failing tool in request order names the problem, as on the synchronous path.
  const validators = results.map((r, k) => {
    if (r.status === 'rejected') throw compileFailure(admitted[k]!, r.reason);
    return r.value;
  });
  if (!a.remembered) remember(a, admitted);
  return assemble(admitted, validators);
}
