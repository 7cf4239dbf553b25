// npm run bench:schemas — what admitting large tool schemas costs the event loop (issue 18
// finding 5). The same tools (distinct ~63 KB schemas, the probe's size) are admitted twice in
// one run, with fresh caches:
//   before  compileTools(): Ajv compiles on the event loop (the request path before the fix)
//   after   compileToolsOffThread(): the compile pool's worker compiles, the loop loads the code
//           from V8's code cache
// and the probe's own request (128 such tools) is admitted under the default limits. Reported:
// wall time, the longest event-loop stall (a 5 ms timer's worst lateness) and the ratio.
// Writes bench/results/schema-compile.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { compileTools, compileToolsOffThread } from '../gateway/src/toolcalls/compile-tools.js';
import { defaultCompilePool } from '../gateway/src/toolcalls/compile-pool.js';
import { ValidatorCache } from '../gateway/src/toolcalls/validator-cache.js';

const TOOLS = Number(process.env.BENCH_SCHEMA_TOOLS ?? 4);
const SCHEMA_BYTES = 63_000;

function schema(seed: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let n = 0; JSON.stringify(properties).length < SCHEMA_BYTES - 200; n++) {
    properties[`s${seed}_${n}`] =
      n % 3 === 0
        ? { type: 'string', description: `field ${n} of record ${seed}`, maxLength: 64, pattern: '^[A-Za-z0-9 _-]*$' }
        : n % 3 === 1
          ? { type: 'integer', minimum: 0, maximum: 10_000 }
          : { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] } };
  }
  return { type: 'object', properties, required: Object.keys(properties).slice(0, 5), additionalProperties: false };
}

const tools = (count: number, offset: number) =>
  Array.from({ length: count }, (_, i) => ({
    type: 'function',
    function: { name: `tool_${offset + i}`, parameters: schema(offset + i) },
  }));

/** Runs `work` while a 5 ms timer measures how late the event loop lets it fire. */
async function measure(work: () => unknown): Promise<{ wall_ms: number; max_stall_ms: number; outcome: string }> {
  let last = performance.now();
  let maxStall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxStall = Math.max(maxStall, now - last - 5);
    last = now;
  }, 5);
  await new Promise((r) => setTimeout(r, 20));
  last = performance.now();
  const start = performance.now();
  let outcome = 'admitted';
  try {
    await work();
  } catch (err) {
    outcome = `refused: ${(err as Error).message.slice(0, 120)}`;
  }
  const wall = performance.now() - start;
  await new Promise((r) => setTimeout(r, 20)); // let the timer observe the last stall
  clearInterval(timer);
  return { wall_ms: Math.round(wall), max_stall_ms: Math.round(Math.max(0, maxStall)), outcome };
}

const limits = { maxTotalSchemaBytes: 64 * 1024 * 1024 };
await compileToolsOffThread(
  tools(1, 9_000).map((t) => ({ ...t, function: { ...t.function, parameters: { type: 'object' } } })),
  { cache: new ValidatorCache() },
); // worker started

const [beforeTools, afterTools] = [tools(TOOLS, 0), tools(TOOLS, 1_000)];
const probeTools = Array.from({ length: 128 }, (_, i) =>
  structuredClone({ ...afterTools[i % TOOLS]!, function: { ...afterTools[i % TOOLS]!.function, name: `probe_${i}` } }),
);
const before = await measure(() => compileTools(beforeTools, { cache: new ValidatorCache(), limits }));
const after = await measure(() =>
  compileToolsOffThread(afterTools, { cache: new ValidatorCache(), limits, compileTimeoutMs: 600_000 }),
);
const probe = await measure(() => compileToolsOffThread(probeTools, { cache: new ValidatorCache() }));
await defaultCompilePool.close();

const result = {
  generated_at: new Date().toISOString(),
  node: process.version,
  definitions: {
    workload: `${TOOLS} distinct tool schemas of ~${SCHEMA_BYTES} bytes each (string/integer/enum-array properties, additionalProperties false), fresh cache per run`,
    wall_ms: 'time until the tools were admitted (or refused)',
    max_stall_ms:
      'worst lateness of a 5 ms interval timer during the admission: how long /health or any other request would have waited',
    stall_ratio: 'before.max_stall_ms / after.max_stall_ms, same run',
    probe_request: "issue 18's probe: 128 such schemas in one request, default limits",
  },
  before_sync_compile: before,
  after_off_thread: after,
  stall_ratio: Math.round((before.max_stall_ms / Math.max(1, after.max_stall_ms)) * 10) / 10,
  probe_request: probe,
  note: 'Absolute times depend on the machine and its load; compare before/after of the same run.',
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/schema-compile.json', JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
