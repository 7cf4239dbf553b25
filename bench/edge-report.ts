// make edge-report (npm run bench:edge -- ...): the edge figures of a model under llama.cpp's
// llama-server on this CPU, per quantization — file size, load time, resident memory, time to
// first token and decode tokens/s — written as JSON and Markdown (bench/results/edge-report.*)
// and printed. Each quant is compared with the f16 file measured in the same run, and the seed's
// edge targets (first token < 100 ms, memory < 4 GB) are checked per file.
//
//   tsx bench/edge-report.ts --model NAME=DIR_OR_GGUF [--model ...] [--llama-server BIN]
//        [--out DIR] [--threads N] [--loads 3] [--requests 10] [--max-tokens 64]
// A DIR holds <name>-<quant>.gguf files (export_gguf.sh writes them); every .gguf in it is measured.
// The quants of a model are measured interleaved (see measureModel), so their ratios hold even
// on a busy machine; absolute times do not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findLlamaServer, startLlamaServer, type LlamaServer } from '../gateway/test/helpers/llama-server.js';
import { summarize } from './lib/load.js';

const TARGETS = { ttftMs: 100, memoryBytes: 4 * 2 ** 30 };
const QUANT_ORDER = ['F16', 'BF16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M'];

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
    },
  },
};

interface Row {
  model: string;
  quant: string;
  file: string;
  sizeBytes: number;
  loadMs: { median: number; runs: number[] };
  rssAfterLoadBytes: number | null;
  peakRssBytes: number | null;
  promptTokens: number | null;
  ttftMs: { p50: number; p90: number; runs: number[] };
  decodeTokensPerSec: { client: number; server: number | null };
  promptTokensPerSec: number | null;
  vsF16: { size: number; ttft: number; decode: number } | null;
  targets: { ttftUnder100ms: boolean; memoryUnder4GB: boolean | null };
}

function quantOf(file: string): string {
  return (/-([A-Za-z0-9_]+)\.gguf$/.exec(path.basename(file))?.[1] ?? 'unknown').toUpperCase();
}

function ggufFiles(spec: string): string[] {
  if (!existsSync(spec)) throw new Error(`${spec} does not exist`);
  if (statSync(spec).isFile()) return [spec];
  const files = readdirSync(spec)
    .filter((f) => f.endsWith('.gguf'))
    .map((f) => path.join(spec, f));
  if (files.length === 0) throw new Error(`${spec} holds no .gguf files (make export-gguf MODEL=... writes them)`);
  const rank = (f: string) => {
    const i = QUANT_ORDER.indexOf(quantOf(f));
    return i < 0 ? QUANT_ORDER.length : i;
  };
  return files.sort((a, b) => rank(a) - rank(b));
}

const median = (xs: number[]) => summarize(xs).p50;

/** The chat prompt as the model's own template renders it (tools included, thinking off, as served). */
async function renderPrompt(url: string): Promise<string> {
  const res = await fetch(`${url}/apply-template`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      messages: [{ role: 'user', content: 'What is the weather in Paris, in celsius? Answer briefly.' }],
      tools: [weather],
      chat_template_kwargs: { enable_thinking: false },
    }),
  });
  if (!res.ok) throw new Error(`apply-template failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { prompt: string }).prompt;
}

/**
 * One streamed generation of the rendered prompt on llama-server's /completion, which streams
 * every token as it is sampled. (Its chat endpoint holds back whitespace while a tool call may
 * still follow, so a first-token time read there would depend on what the model writes.)
 */
async function streamOnce(url: string, prompt: string, maxTokens: number) {
  const t0 = performance.now();
  const res = await fetch(`${url}/completion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt,
      stream: true,
      n_predict: maxTokens,
      temperature: 0,
      // no prompt reuse between runs (every run pays its prefill), and a fixed output length so
      // decode rates compare across quants and runs
      cache_prompt: false,
      ignore_eos: true,
    }),
  });
  if (!res.ok || !res.body) throw new Error(`completion failed: ${res.status} ${await res.text()}`);
  let first: number | null = null;
  let last = t0;
  let tokens = 0;
  let promptTokens: number | null = null;
  let timings: Record<string, number> | null = null;
  const decoder = new TextDecoder();
  let buf = '';
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(part, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 2);
      if (!event.startsWith('data:')) continue;
      const chunk = JSON.parse(event.slice(5).trim()) as {
        tokens?: number[];
        tokens_evaluated?: number;
        timings?: Record<string, number>;
      };
      if (chunk.timings) timings = chunk.timings;
      if (typeof chunk.tokens_evaluated === 'number') promptTokens = chunk.tokens_evaluated;
      const n = chunk.tokens?.length ?? 0;
      if (n > 0) {
        const now = performance.now();
        if (first === null) first = now;
        last = now;
        tokens += n;
      }
    }
  }
  if (first === null) throw new Error('the stream produced no token');
  return {
    ttftMs: first - t0,
    decodeTps: tokens > 1 && last > first ? (tokens - 1) / ((last - first) / 1000) : NaN,
    serverDecodeTps: timings?.predicted_per_second ?? null,
    serverPromptTps: timings?.prompt_per_second ?? null,
    promptTokens,
  };
}

type StreamRun = Awaited<ReturnType<typeof streamOnce>>;

/**
 * All quants of one model, interleaved so that drift on a busy machine hits each of them alike:
 * load rounds start every file in turn; then every server stays up and the requests go round
 * the servers one at a time (never two generating at once).
 */
async function measureModel(
  model: string,
  files: string[],
  opts: { bin: string; threads: number; loads: number; requests: number; maxTokens: number },
): Promise<Row[]> {
  const loadRuns = files.map(() => [] as number[]);
  const servers: LlamaServer[] = [];
  try {
    for (let round = 0; round < opts.loads; round++) {
      for (const [i, file] of files.entries()) {
        const s = await startLlamaServer({
          model: file,
          alias: model,
          bin: opts.bin,
          threads: opts.threads,
          ctx: 4096,
        });
        loadRuns[i]!.push(s.loadMs);
        if (round < opts.loads - 1) await s.stop();
        else servers.push(s);
      }
    }
    const afterLoad = servers.map((s) => s.memory());
    const prompts = await Promise.all(servers.map((s) => renderPrompt(s.url)));
    for (const [i, s] of servers.entries()) await streamOnce(s.url, prompts[i]!, 8); // warm-up: first-request allocations are not the steady state
    const runs = files.map(() => [] as StreamRun[]);
    for (let r = 0; r < opts.requests; r++) {
      for (const [i, s] of servers.entries()) runs[i]!.push(await streamOnce(s.url, prompts[i]!, opts.maxTokens));
    }
    return files.map((file, i) => {
      const peak = servers[i]!.memory();
      const own = runs[i]!;
      const ttft = summarize(own.map((r) => r.ttftMs));
      const serverTps = own.map((r) => r.serverDecodeTps).filter((x): x is number => x !== null);
      const promptTps = own.map((r) => r.serverPromptTps).filter((x): x is number => x !== null);
      return {
        model,
        quant: quantOf(file),
        file: path.relative(process.cwd(), file),
        sizeBytes: statSync(file).size,
        loadMs: { median: median(loadRuns[i]!), runs: loadRuns[i]! },
        rssAfterLoadBytes: afterLoad[i]?.rss ?? null,
        peakRssBytes: peak?.peak ?? null,
        promptTokens: own[0]!.promptTokens,
        ttftMs: { p50: ttft.p50, p90: ttft.p90, runs: own.map((r) => r.ttftMs) },
        decodeTokensPerSec: {
          client: median(own.map((r) => r.decodeTps)),
          server: serverTps.length ? median(serverTps) : null,
        },
        promptTokensPerSec: promptTps.length ? median(promptTps) : null,
        vsF16: null,
        targets: {
          ttftUnder100ms: ttft.p50 < TARGETS.ttftMs,
          memoryUnder4GB: peak ? peak.peak < TARGETS.memoryBytes : null,
        },
      };
    });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

function machine(bin: string) {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  // llama-server prints its version on stderr; the pinned sdist's version names the build directory
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const line = `${version.stdout ?? ''}${version.stderr ?? ''}`.split('\n').find((l) => l.startsWith('version:'));
  const sdist = /llama\.cpp-([\d.]+)\//.exec(bin)?.[1];
  const llamaCpp =
    [
      sdist ? `llama-cpp-python ${sdist} sdist` : null,
      line ? `llama.cpp ${line.slice('version:'.length).trim()}` : null,
    ]
      .filter(Boolean)
      .join(', ') || 'unknown';
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    llamaCpp,
  };
}

const mib = (b: number | null) => (b === null ? '—' : `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 2 : 0)} MiB`);
const fmt = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));

function markdown(report: {
  date: string;
  machine: ReturnType<typeof machine>;
  settings: Record<string, unknown>;
  rows: Row[];
}): string {
  const m = report.machine;
  const lines = [
    `# Edge report (${report.date})`,
    '',
    `llama-server (${m.llamaCpp}) on ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB; load average at start ${m.loadAverageAtStart.join(' / ')}.`,
    `Settings: ${Object.entries(report.settings)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ')}. Targets: first token < ${TARGETS.ttftMs} ms, memory < 4 GB.`,
    '',
    '| model | quant | file | load (median) | RSS after load | peak RSS | prompt tokens | TTFT p50 / p90 | decode tok/s (client / server) | prompt tok/s | vs f16: size, TTFT, decode | TTFT < 100 ms | memory < 4 GB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of report.rows) {
    const vs = r.vsF16
      ? `${r.vsF16.size.toFixed(2)}×, ${r.vsF16.ttft.toFixed(2)}×, ${r.vsF16.decode.toFixed(2)}×`
      : '—';
    lines.push(
      `| ${r.model} | ${r.quant} | ${mib(r.sizeBytes)} | ${fmt(r.loadMs.median, 0)} ms | ${mib(r.rssAfterLoadBytes)} | ${mib(r.peakRssBytes)} | ${r.promptTokens ?? '—'} | ` +
        `${fmt(r.ttftMs.p50)} / ${fmt(r.ttftMs.p90)} ms | ${fmt(r.decodeTokensPerSec.client)} / ${fmt(r.decodeTokensPerSec.server)} | ${fmt(r.promptTokensPerSec)} | ${vs} | ` +
        `${r.targets.ttftUnder100ms ? 'yes' : 'no'} | ${r.targets.memoryUnder4GB === null ? '—' : r.targets.memoryUnder4GB ? 'yes' : 'no'} |`,
    );
  }
  lines.push(
    '',
    "Load: spawn until /health answers 200 (model loaded). TTFT: request sent until the first generated token streams back, for the model's chat template rendered with one tool (llama-server `/apply-template`, thinking off) and sent to `/completion` with `cache_prompt: false`. Decode: tokens after the first over their wall time (client), and llama-server's own `predicted_per_second` (server). Ratios against the f16 file of the same model, measured in the same run.",
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', multiple: true },
      'llama-server': { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      threads: { type: 'string', default: String(os.availableParallelism()) },
      loads: { type: 'string', default: '3' },
      requests: { type: 'string', default: '10' },
      'max-tokens': { type: 'string', default: '64' },
    },
    strict: true,
  });
  const models = (values.model ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--model wants NAME=DIR_OR_GGUF, got '${spec}'`);
    return { name: spec.slice(0, eq), files: ggufFiles(spec.slice(eq + 1)) };
  });
  if (models.length === 0) throw new Error('give at least one --model NAME=DIR_OR_GGUF');
  const bin = values['llama-server'] ?? findLlamaServer();
  const settings = {
    threads: Number(values.threads),
    loads: Number(values.loads),
    requests: Number(values.requests),
    maxTokens: Number(values['max-tokens']),
    ctx: 4096,
  };
  const report = {
    benchmark: 'edge',
    date: new Date().toISOString(),
    machine: machine(bin),
    settings,
    rows: [] as Row[],
  };
  for (const m of models) {
    process.stderr.write(`edge-report: ${m.name}: ${m.files.map(quantOf).join(', ')} …\n`);
    report.rows.push(...(await measureModel(m.name, m.files, { bin, ...settings })));
    const base = report.rows.find((r) => r.model === m.name && r.quant === 'F16');
    for (const r of report.rows.filter((x) => x.model === m.name && base)) {
      r.vsF16 = {
        size: r.sizeBytes / base!.sizeBytes,
        ttft: r.ttftMs.p50 / base!.ttftMs.p50,
        decode: r.decodeTokensPerSec.client / base!.decodeTokensPerSec.client,
      };
    }
  }
  mkdirSync(values.out, { recursive: true });
  const md = markdown(report);
  writeFileSync(path.join(values.out, 'edge-report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(values.out, 'edge-report.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`edge-report: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
