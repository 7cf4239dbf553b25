// npm run bench:spread — why the answer path builds objects with withFields (toolcalls/safe-json.ts)
// rather than `{ ...x, more }`. On Node 20's V8 an object spread followed by more properties gives
// the result a fresh hidden class on every call, so each added property is a slow map transition
// (found profiling `checkToolCalls`: 33 µs for one valid call, most of it in two such literals).
// The same objects are built both ways in one run, and the checked answer path of one call is
// timed end to end. Writes bench/results/spread.json (µs per operation and the ratios).
import { mkdirSync, writeFileSync } from 'node:fs';
import { compileTools, checkToolCalls, withFields } from '../gateway/src/toolcalls/index.js';
import { microTime } from './lib/micro-time.js';

const ITERATIONS = Number(process.env.SPREAD_ITERATIONS ?? 200_000);

const time = (fn: () => unknown): number => microTime(fn, ITERATIONS);

const base = { raw: '<tool_call>…</tool_call>', source: 'tag', fromThink: false };
const chunk = JSON.parse(
  '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"Qwen/Qwen3-0.6B","choices":[]}',
) as Record<string, unknown>;
const id = 'call_1';

const cases: Record<string, { spread: () => unknown; withFields: () => unknown }> = {
  'call record from a literal base (extract.ts)': {
    spread: () => ({ ...base, value: 1, repairs: [] }),
    withFields: () => withFields(base, { value: 1, repairs: [] }),
  },
  'leading conditional id + 9 fields (check.ts)': {
    spread: () => ({
      ...(id ? { id } : {}),
      name: 'get_weather',
      arguments: {},
      argumentsJson: '{}',
      repairs: [],
      errors: [],
      valid: true,
      fromThink: false,
      source: 'parsed',
      raw: '',
    }),
    withFields: () =>
      withFields(
        { id },
        {
          name: 'get_weather',
          arguments: {},
          argumentsJson: '{}',
          repairs: [],
          errors: [],
          valid: true,
          fromThink: false,
          source: 'parsed',
          raw: '',
        },
      ),
  },
  'chunk without its choices + new choices (tool-call-transform.ts)': {
    spread: () => {
      const { choices: _c, ...rest } = chunk;
      return { ...rest, choices: [] };
    },
    withFields: () => withFields(chunk, { choices: [] }),
  },
};

const tools = compileTools([
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city'],
      },
    },
  },
]);
const output = {
  content: null,
  tool_calls: [
    {
      id: 'chatcmpl-tool-1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' },
    },
  ],
};

const results: Record<string, { spreadUs: number; withFieldsUs: number; ratio: number }> = {};
for (const [name, c] of Object.entries(cases)) {
  const spreadUs = time(c.spread);
  const withFieldsUs = time(c.withFields);
  results[name] = { spreadUs, withFieldsUs, ratio: spreadUs / withFieldsUs };
  process.stderr.write(
    `[bench:spread] ${name}: spread ${spreadUs.toFixed(3)} µs, withFields ${withFieldsUs.toFixed(3)} µs\n`,
  );
}
const checkUs = time(() => checkToolCalls(tools, output, {}));
process.stderr.write(`[bench:spread] checkToolCalls, one valid call: ${checkUs.toFixed(2)} µs\n`);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/spread.json',
  JSON.stringify(
    {
      benchmark: 'spread',
      date: new Date().toISOString(),
      node: process.version,
      note: 'µs per operation, best of three runs; ratio = spread ÷ withFields, measured in the same run.',
      results,
      checkToolCallsOneValidCallUs: checkUs,
    },
    null,
    2,
  ) + '\n',
);
