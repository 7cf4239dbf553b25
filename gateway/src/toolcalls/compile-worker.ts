// Worker-thread entry of the schema compile pool (compile-pool.ts): checks a schema against the
// admission limits (size, depth, enum, patterns, expansion), then generates its validator code
// with Ajv, runs it once, and returns the code with V8's code cache. Both cost up to seconds of
// CPU for a large schema; here they cannot block the gateway's event loop.
import { parentPort } from 'node:worker_threads';
import { schemaLimitViolation, type SchemaLimits } from './schema-limits.js';
import { compileToCode, loadValidator, makeAjv } from './validator-code.js';

export interface CompileRequest {
  id: number;
  schema: Record<string, unknown>;
  limits: SchemaLimits;
  /** Only check the limits (the validator is already cached). */
  checkOnly: boolean;
}

export type CompileReply =
  | { id: number; code: string; cachedData: Uint8Array }
  | { id: number; checked: true }
  /** The schema breaks an admission limit (a sentence, as schemaLimitViolation words it). */
  | { id: number; problem: string }
  /** Ajv could not compile it (an invalid schema, a pattern RE2 cannot express). */
  | { id: number; error: string }
  | { ready: true };

const ajv = makeAjv();

function handle({ id, schema, limits, checkOnly }: CompileRequest): CompileReply {
  const problem = schemaLimitViolation(schema, limits);
  if (problem) return { id, problem };
  if (checkOnly) return { id, checked: true };
  try {
    const code = compileToCode(ajv, schema);
    const { cachedData } = loadValidator(code, { produceCache: true });
    // A copy with its own ArrayBuffer: a small Buffer may share Node's pool, which must not be transferred.
    return { id, code, cachedData: cachedData ? new Uint8Array(cachedData) : new Uint8Array(0) };
  } catch (err) {
    return { id, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.on('message', (req: CompileRequest) => {
  const reply = handle(req);
  if ('cachedData' in reply) parentPort!.postMessage(reply, [reply.cachedData.buffer as ArrayBuffer]);
  else parentPort!.postMessage(reply);
});

// Loaded and ready: the pool starts a schema's time budget only from here.
parentPort?.postMessage({ ready: true } satisfies CompileReply);
