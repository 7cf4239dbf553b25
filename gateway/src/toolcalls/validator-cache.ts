// Compiled validators keyed by the canonical-JSON hash of the schema, so a tool list repeated on
// every request compiles once. The LRU is bounded in bytes (the generated code a validator
// holds, see entryBytes), not in entries: one 60 KB schema can weigh as much as a thousand small
// ones. Two ways in: get() compiles on the calling thread (CLI, eval, tests), getOffThread()
// compiles in the worker pool with a time budget (the gateway's request path).
import { createHash } from 'node:crypto';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { defaultCompilePool, SchemaCompileError, type SchemaCompilePool } from './compile-pool.js';
import { canonicalJson } from './safe-json.js';
import type { SchemaLimits } from './schema-limits.js';
import { compileToCode, loadValidator, makeAjv } from './validator-code.js';

export interface CompiledSchema {
  hash: string;
  validate: ValidateFunction;
  /** Approximate memory the validator holds (entryBytes). */
  bytes: number;
  /** Admission limits (as JSON) the schema is known to pass. */
  readonly checkedUnder: Set<string>;
}

export interface OffThreadCompile {
  /** The schema must pass these (checked in the worker, with the compile). */
  limits: SchemaLimits;
  /** Budget for checking and compiling it once the worker starts on it. */
  timeoutMs: number;
}

export interface ValidatorCacheOptions {
  /** Upper bound on the summed entryBytes of cached validators. */
  maxBytes?: number;
  pool?: SchemaCompilePool;
}

export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * What a validator costs in memory, estimated from its generated code: V8 keeps the source
 * (1–2 bytes a character) and about as much again as bytecode, plus the schema Ajv embeds.
 */
export const entryBytes = (code: string): number => 3 * code.length;

let ajv = makeAjv();

export class ValidatorCache {
  private readonly entries = new Map<string, CompiledSchema>();
  private readonly inFlight = new Map<string, Promise<CompiledSchema>>();
  private totalBytes = 0;
  readonly maxBytes: number;
  private readonly pool: SchemaCompilePool;
  hits = 0;
  misses = 0;

  constructor(opts: ValidatorCacheOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_BYTES;
    this.pool = opts.pool ?? defaultCompilePool;
  }

  static hashOf(schema: unknown): string {
    return createHash('sha256').update(canonicalJson(schema)).digest('base64url').slice(0, 22);
  }

  /** Compiled validator for `schema`, compiled here on a miss; throws Ajv's error for an invalid schema. */
  get(schema: Record<string, unknown>, hash = ValidatorCache.hashOf(schema)): CompiledSchema {
    const hit = this.lookup(hash);
    if (hit) return hit;
    this.misses++;
    const code = compileToCode(ajv, schema);
    return this.insert(hash, loadValidator(code).validate, code);
  }

  /**
   * The same for the request path: the schema is checked against `limits` and compiled in the
   * worker pool within `timeoutMs`; the event loop only loads the finished code (from V8's code
   * cache). A cached validator not yet checked under these limits is checked there too.
   * Concurrent requests for one schema share one job. Rejects with SchemaCompileError.
   */
  async getOffThread(
    schema: Record<string, unknown>,
    opts: OffThreadCompile,
    hash = ValidatorCache.hashOf(schema),
  ): Promise<CompiledSchema> {
    const limitsKey = JSON.stringify(opts.limits);
    const hit = this.lookup(hash);
    if (hit?.checkedUnder.has(limitsKey)) return hit;
    const key = `${hash} ${limitsKey}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    let job: Promise<CompiledSchema>;
    if (hit) {
      job = this.pool.check(schema, opts.limits, opts.timeoutMs).then(() => (hit.checkedUnder.add(limitsKey), hit));
    } else {
      this.misses++;
      job = this.pool.compile(schema, opts.limits, opts.timeoutMs).then(({ code, cachedData }) => {
        const entry = this.insert(
          hash,
          loadValidator(code, cachedData.length > 0 ? { cachedData } : {}).validate,
          code,
        );
        entry.checkedUnder.add(limitsKey);
        return entry;
      });
    }
    job = job.finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, job);
    return job;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Summed entryBytes of the cached validators. */
  get bytes(): number {
    return this.totalBytes;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
    ajv = makeAjv();
  }

  /** A cached validator already known to pass `limitsKey`'s admission checks, if any. */
  checked(hash: string, limitsKey: string): CompiledSchema | undefined {
    const hit = this.lookup(hash);
    return hit?.checkedUnder.has(limitsKey) ? hit : undefined;
  }

  private lookup(hash: string): CompiledSchema | undefined {
    const hit = this.entries.get(hash);
    if (!hit) return undefined;
    this.hits++;
    this.entries.delete(hash); // re-insert: Map order is the recency order
    this.entries.set(hash, hit);
    return hit;
  }

  private insert(hash: string, validate: ValidateFunction, code: string): CompiledSchema {
    const entry: CompiledSchema = { hash, validate, bytes: entryBytes(code), checkedUnder: new Set() };
    const old = this.entries.get(hash);
    if (old) this.totalBytes -= old.bytes;
    this.entries.set(hash, entry);
    this.totalBytes += entry.bytes;
    // Evict least recently used entries; a single entry larger than the bound is still returned
    // to its caller, just not kept.
    for (const [k, e] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.totalBytes -= e.bytes;
    }
    return entry;
  }
}

export { SchemaCompileError };

export const defaultValidatorCache = new ValidatorCache();

/** Ajv errors as (JSON pointer, message) pairs. */
export function describeErrors(errors: ErrorObject[] | null | undefined): { pointer: string; message: string }[] {
  return (errors ?? []).map((e) => {
    let pointer = e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty?: string }).missingProperty ?? '';
      pointer = `${pointer}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'missing required argument';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty ?? '';
      pointer = `${pointer}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'unknown argument';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}`;
    }
    return { pointer, message };
  });
}
