// One Ajv instance (draft-07, + formats) and a bounded LRU of compiled validators keyed by the
// canonical-JSON hash of the schema, so a tool list repeated on every request compiles once.
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { canonicalJson } from './json-text.js';
import { linearRegExp } from './linear-regex.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

function makeAjv(): Ajv {
  // strict: false — real tool schemas carry keywords Ajv does not know (examples, title, x-…).
  // ownProperties — `required` and friends look at own keys only, so an inherited
  // `constructor` or `toString` never satisfies a required argument.
  // code.regExp — `pattern`/`patternProperties` run on RE2 (linear time, linear-regex.ts).
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, ownProperties: true, loadSchema: undefined, code: { regExp: linearRegExp } });
  addFormats(ajv);
  return ajv;
}

let ajv = makeAjv();

export interface CompiledSchema {
  hash: string;
  validate: ValidateFunction;
}

export class ValidatorCache {
  private readonly entries = new Map<string, CompiledSchema>();
  hits = 0;
  misses = 0;
  constructor(readonly capacity = 512) {}

  static hashOf(schema: unknown): string {
    return createHash('sha256').update(canonicalJson(schema)).digest('base64url').slice(0, 22);
  }

  /** Compiled validator for `schema`; throws Ajv's error for an invalid schema. */
  get(schema: Record<string, unknown>, hash = ValidatorCache.hashOf(schema)): CompiledSchema {
    const hit = this.entries.get(hash);
    if (hit) {
      this.hits++;
      this.entries.delete(hash); // re-insert: Map order is the recency order
      this.entries.set(hash, hit);
      return hit;
    }
    this.misses++;
    const validate = ajv.compile(schema);
    // Ajv also caches by schema identity; drop it so memory is bounded by this LRU alone
    ajv.removeSchema(schema);
    const entry = { hash, validate };
    this.entries.set(hash, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    ajv = makeAjv();
  }
}

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
