// npm run bench:repair — recovery, false repairs, valid-unchanged and latency of the tool-call
// engine on the corpus, against two baselines measured in the same run:
//   hermes        vLLM's hermes parser semantics: regex <tool_call>(.*?)</tool_call>|<tool_call>(.*),
//                 strict json.loads, all-or-nothing, no schema; tool_choice "required" → JSON array
//   jsonrepair+ajv the obvious library combination: same regex (or the whole text), jsonrepair, ajv
// Writes bench/results/repair.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { jsonrepair } from 'jsonrepair';
import { checkToolCalls } from '../gateway/src/toolcalls/check.js';
import { compileTools } from '../gateway/src/toolcalls/compile-tools.js';
import { canonicalJson, isPlainObject } from '../gateway/src/toolcalls/json-text.js';
import { ToolCallStreamSplitter } from '../gateway/src/toolcalls/stream-splitter.js';
import type { AssistantOutput, ToolDef } from '../gateway/src/toolcalls/types.js';
import { isRecoverable, isValidCase, loadToolcallCorpus, type CorpusCase } from '../gateway/test/toolcalls/corpus.js';

type Call = { name: string; arguments: Record<string, unknown> };
/** null = the engine gave up (no calls / invalid); [] = it says there is no call. */
type Engine = (c: CorpusCase) => Call[] | null;

const HERMES = /<tool_call>([\s\S]*?)<\/tool_call>|<tool_call>([\s\S]*)/g;

function hermesBodies(content: string): string[] {
  return [...content.matchAll(HERMES)].map((m) => (m[1] ?? m[2] ?? '').trim());
}

function toCall(v: unknown, key: 'arguments' | 'parameters' = 'arguments'): Call | null {
  if (!isPlainObject(v) || typeof v.name !== 'string' || !(key in v) || !isPlainObject(v[key])) return null;
  return { name: v.name, arguments: v[key] };
}

function parsedToolCalls(out: AssistantOutput, parse: (s: string) => unknown): Call[] | null {
  const calls: Call[] = [];
  for (const tc of out.tool_calls ?? []) {
    try {
      const args = typeof tc.function.arguments === 'string' ? parse(tc.function.arguments) : tc.function.arguments;
      if (!isPlainObject(args) || typeof tc.function.name !== 'string') return null;
      calls.push({ name: tc.function.name, arguments: args });
    } catch {
      return null;
    }
  }
  return calls;
}

const hermes: Engine = (c) => {
  if (c.output.tool_calls?.length) return parsedToolCalls(c.output, JSON.parse);
  const content = c.output.content ?? '';
  try {
    if (c.tool_choice === 'required') {
      const arr: unknown = JSON.parse(content);
      if (!Array.isArray(arr)) return null;
      const calls = arr.map((v) => toCall(v, 'parameters'));
      return calls.every((x): x is Call => x !== null) ? calls : null;
    }
    if (!content.includes('<tool_call>')) return [];
    const calls = hermesBodies(content).map((b) => toCall(JSON.parse(b)));
    return calls.every((x): x is Call => x !== null) ? calls : null;
  } catch {
    return null;
  }
};

const ajv = new Ajv({ strict: false, logger: false });
const validators = new Map<string, ValidateFunction>();
function validatorFor(tools: ToolDef[], name: string): ValidateFunction | null {
  const tool = tools.find((t) => t.function.name === name);
  if (!tool) return null;
  const schema = tool.function.parameters ?? { type: 'object', properties: {}, additionalProperties: false };
  const key = canonicalJson(schema);
  let v = validators.get(key);
  if (!v) validators.set(key, (v = ajv.compile(schema)));
  return v;
}

const repairAjv: Engine = (c) => {
  const lenient = (s: string): unknown => JSON.parse(jsonrepair(s));
  let calls: Call[] | null;
  if (c.output.tool_calls?.length) calls = parsedToolCalls(c.output, lenient);
  else {
    const content = c.output.content ?? '';
    const bodies = content.includes('<tool_call>') ? hermesBodies(content) : [content];
    try {
      const values = bodies.flatMap((b) => {
        const v = lenient(b);
        return Array.isArray(v) ? (v as unknown[]) : [v];
      });
      const mapped = values.map((v) => toCall(v) ?? toCall(v, 'parameters'));
      if (!content.includes('<tool_call>') && mapped.every((x) => x === null)) return [];
      calls = mapped.every((x): x is Call => x !== null) ? mapped : null;
    } catch {
      return content.includes('<tool_call>') ? null : [];
    }
  }
  if (!calls) return null;
  return calls.every((k) => validatorFor(c.tools, k.name)?.(k.arguments) === true) ? calls : null;
};

const toolgate: Engine = (c) => {
  const r = checkToolCalls(c.tools, c.output, { toolChoice: c.tool_choice });
  if (r.outcome === 'invalid') return null;
  return r.calls.map((k) => ({ name: k.name, arguments: k.arguments }));
};

/** The gateway's streaming path: content in 7-character deltas through the splitter, then the verdict. */
const toolgateStreamed: Engine = (c) => {
  let output = c.output;
  if (typeof c.output.content === 'string' && !(isPlainObject(c.tool_choice) && 'function' in c.tool_choice)) {
    const splitter = new ToolCallStreamSplitter({ toolNames: c.tools.map((t) => t.function.name), think: 'text' });
    for (let i = 0; i < c.output.content.length; i += 7) splitter.push(c.output.content.slice(i, i + 7));
    splitter.finish();
    output = { ...c.output, content: splitter.callOutput().content };
  }
  const r = checkToolCalls(c.tools, output, { toolChoice: c.tool_choice });
  if (r.outcome === 'invalid') return null;
  return r.calls.map((k) => ({ name: k.name, arguments: k.arguments }));
};

const same = (a: Call[], b: Call[]): boolean => canonicalJson(a) === canonicalJson(b);

function quality(engine: Engine, corpus: CorpusCase[]) {
  let recovered = 0;
  let recoverable = 0;
  let claimed = 0;
  let falseRepairs = 0;
  let validTotal = 0;
  let validUnchanged = 0;
  const falseIds: string[] = [];
  const missedModes: Record<string, number> = {};
  for (const c of corpus) {
    const got = engine(c);
    const expected = c.expected.calls;
    const gotCalls = got && got.length > 0 ? got : null;
    if (gotCalls) {
      claimed++;
      if (!same(gotCalls, expected)) {
        falseRepairs++;
        if (falseIds.length < 20) falseIds.push(c.id);
      }
    }
    if (isValidCase(c)) {
      validTotal++;
      if (gotCalls && same(gotCalls, expected)) validUnchanged++;
    } else if (isRecoverable(c)) {
      recoverable++;
      if (gotCalls && same(gotCalls, expected)) recovered++;
      else missedModes[c.mode] = (missedModes[c.mode] ?? 0) + 1;
    }
  }
  const rate = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
  return {
    recovery_rate: rate(recovered, recoverable),
    recovered,
    recoverable,
    false_repair_rate: rate(falseRepairs, claimed),
    false_repairs: falseRepairs,
    outputs_with_calls: claimed,
    valid_unchanged_rate: rate(validUnchanged, validTotal),
    valid_unchanged: validUnchanged,
    valid_total: validTotal,
    false_repair_examples: falseIds,
    missed_by_mode: missedModes,
  };
}

/** Interleaved timing: every round times each engine on each case in turn, so machine noise hits all alike. */
function latencies(engines: Record<string, Engine>, corpus: CorpusCase[], rounds: number) {
  const names = Object.keys(engines);
  for (let i = 0; i < 3; i++) for (const c of corpus) for (const n of names) engines[n]!(c); // warm: schemas compiled, JIT hot
  const perOutput = new Map(names.map((n) => [n, [] as number[]]));
  const perCall = new Map(names.map((n) => [n, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    for (const c of corpus) {
      for (const n of names) {
        const engine = engines[n]!;
        const t0 = process.hrtime.bigint();
        engine(c);
        const us = Number(process.hrtime.bigint() - t0) / 1000;
        perOutput.get(n)!.push(us);
        perCall.get(n)!.push(us / Math.max(1, c.expected.calls.length));
      }
    }
  }
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
  };
  return Object.fromEntries(
    names.map((n) => {
      const o = perOutput.get(n)!;
      const k = perCall.get(n)!;
      return [
        n,
        {
          samples: o.length,
          p50_us_per_output: pct(o, 50),
          p99_us_per_output: pct(o, 99),
          p50_us_per_call: pct(k, 50),
          p99_us_per_call: pct(k, 99),
        },
      ];
    }),
  );
}
type Latency = ReturnType<typeof latencies>[string];

function main(): void {
  const corpus = loadToolcallCorpus();
  const rounds = Number(process.env.REPAIR_BENCH_ROUNDS ?? 30);
  const engines: Record<string, Engine> = {
    toolgate,
    toolgate_streamed: toolgateStreamed,
    hermes,
    jsonrepair_ajv: repairAjv,
  };
  // the gateway compiles tools once per request (memoized by content); measure the engine on its own too
  const precompiled = new Map(corpus.map((c) => [c, compileTools(c.tools)]));
  const toolgateCompiled: Engine = (c) => {
    const r = checkToolCalls(precompiled.get(c)!, c.output, { toolChoice: c.tool_choice });
    return r.outcome === 'invalid' ? null : r.calls.map((k) => ({ name: k.name, arguments: k.arguments }));
  };
  const lat = latencies({ ...engines, toolgate_precompiled_tools: toolgateCompiled }, corpus, rounds);
  const results: Record<string, unknown> = {};
  for (const [name, engine] of Object.entries(engines))
    results[name] = { ...quality(engine, corpus), latency: lat[name] };
  results.toolgate_precompiled_tools = { latency: lat.toolgate_precompiled_tools };
  const tg = results.toolgate as ReturnType<typeof quality> & { latency: Latency };
  const st = results.toolgate_streamed as ReturnType<typeof quality>;
  const report = {
    generated_at: new Date().toISOString(),
    node: process.version,
    corpus: {
      cases: corpus.length,
      valid_cases: corpus.filter(isValidCase).length,
      malformed_cases: corpus.filter((c) => !isValidCase(c)).length,
      recoverable_malformed: corpus.filter((c) => !isValidCase(c) && isRecoverable(c)).length,
      modes: new Set(corpus.map((c) => c.mode)).size,
    },
    definitions: {
      recovery_rate:
        'malformed cases whose expected result has calls, where the engine returned exactly the expected calls',
      false_repair_rate:
        'outputs where the engine returned calls that differ from the expected ones (incl. calls where none/invalid was expected) / outputs where it returned calls',
      valid_unchanged_rate: 'valid_* cases returned with exactly the original calls',
      toolgate_streamed:
        'the streaming path: content fed to ToolCallStreamSplitter in 7-character deltas, then checkToolCalls on its callOutput() (named tool_choice is held whole, as the gateway does)',
      latency: `wall time of one engine call per corpus output, engines interleaved case by case (${rounds} rounds after warm-up, schemas cached); per_call divides by the expected number of calls (min 1); toolgate includes compileTools() on the raw tools array (memoized), toolgate_precompiled_tools does not`,
    },
    engines: results,
    aims: {
      recovery_rate_min: 0.97,
      false_repairs: 0,
      valid_unchanged_rate: 1,
      p99_us_per_call_max: 200,
      met: {
        recovery: (tg.recovery_rate ?? 0) >= 0.97,
        false_repairs: tg.false_repairs === 0,
        valid_unchanged: tg.valid_unchanged_rate === 1,
        p99: tg.latency.p99_us_per_call < 200,
        streamed_equals_whole:
          st.recovered === tg.recovered &&
          st.false_repairs === tg.false_repairs &&
          st.valid_unchanged === tg.valid_unchanged,
      },
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/repair.json', import.meta.url), JSON.stringify(report, null, 2) + '\n');
  const line = (n: string) => {
    const r = results[n] as ReturnType<typeof quality> & { latency: Latency };
    return `${n.padEnd(15)} recovery ${r.recovery_rate}  false-repair ${r.false_repair_rate} (${r.false_repairs})  valid-unchanged ${r.valid_unchanged_rate}  p50 ${r.latency.p50_us_per_call}µs  p99 ${r.latency.p99_us_per_call}µs per call`;
  };
  process.stdout.write(
    ['toolgate', 'toolgate_streamed', 'hermes', 'jsonrepair_ajv'].map(line).join('\n') +
      `\ntoolgate (tools precompiled) p50 ${lat.toolgate_precompiled_tools!.p50_us_per_call}µs  p99 ${lat.toolgate_precompiled_tools!.p99_us_per_call}µs per call` +
      '\nwrote bench/results/repair.json\n',
  );
}

main();
