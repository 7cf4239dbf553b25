// How a tool schema becomes a validator: Ajv generates standalone JavaScript for it, and that
// code is loaded as a script. One path for both places that do it — the compile worker
// (compile-worker.ts, off the event loop) and the synchronous fallback (CLI, eval) — so a
// validator is the same whichever thread built it. The worker also hands back V8's code cache
// for the script, so loading it on the main thread skips parsing and compiling the (often
// megabyte-sized) validate function.
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import * as linearRegexModule from './linear-regex.js';
import { LINEAR_REGEXP_MODULE, linearRegExp } from './linear-regex.js';

// CommonJS defaults arrive as the module object under NodeNext
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv,
) => Ajv;
const standaloneCode = ((standaloneCodeModule as unknown as { default?: unknown }).default ?? standaloneCodeModule) as (
  a: Ajv,
  v: ValidateFunction,
) => string;

/** The one Ajv configuration every validator is generated with. */
export function makeAjv(): Ajv {
  // strict: false — real tool schemas carry keywords Ajv does not know (examples, title, x-…).
  // ownProperties — `required` and friends look at own keys only, so an inherited
  //   `constructor` or `toString` never satisfies a required argument.
  // code.regExp — `pattern`/`patternProperties` run on RE2 (linear time, linear-regex.ts).
  // code.source — keep the generated code so it can be emitted as a standalone script.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: true,
    ownProperties: true,
    loadSchema: undefined,
    code: { source: true, regExp: linearRegExp },
  });
  addFormats(ajv);
  return ajv;
}

/** Standalone validator code for `schema`; throws Ajv's error for an invalid schema. */
export function compileToCode(ajv: Ajv, schema: Record<string, unknown>): string {
  try {
    return standaloneCode(ajv, ajv.compile(schema));
  } finally {
    // Ajv caches by schema identity; the caller's cache is the only one.
    ajv.removeSchema(schema);
  }
}

// The generated code `require`s Ajv's runtime helpers, ajv-formats and the RE2 engine.
const requireHere = createRequire(import.meta.url);
const requireShim = (id: string): unknown => (id === LINEAR_REGEXP_MODULE ? linearRegexModule : requireHere(id));
const wrap = (code: string) => `(function (require, module, exports) {${code}\n})`;
const FILENAME = 'toolgate-schema-validator.js';

export interface LoadedValidator {
  validate: ValidateFunction;
  /** V8's cache of the compiled script (only when asked for; after one warm-up call). */
  cachedData?: Buffer;
  /** True when a cache was given and V8 could not use it (then the code was compiled here). */
  cacheRejected: boolean;
}

/** Loads generated code; with `produceCache`, warms the validator up and returns V8's code cache. */
export function loadValidator(
  code: string,
  opts: { cachedData?: Buffer; produceCache?: boolean } = {},
): LoadedValidator {
  const script = new vm.Script(wrap(code), {
    filename: FILENAME,
    ...(opts.cachedData ? { cachedData: opts.cachedData } : {}),
  });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (r: typeof requireShim, m: typeof module, e: unknown) => void)(
    requireShim,
    module,
    module.exports,
  );
  const validate = module.exports as ValidateFunction;
  let cachedData: Buffer | undefined;
  if (opts.produceCache) {
    validate({}); // compiles the (lazy) validate function, so the cache holds its bytecode
    cachedData = script.createCachedData();
  }
  return {
    validate,
    ...(cachedData ? { cachedData } : {}),
    cacheRejected: opts.cachedData !== undefined && script.cachedDataRejected === true,
  };
}
