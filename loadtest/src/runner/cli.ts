// `toolgate loadtest` — runs the concurrency × context-length matrix against an OpenAI-compatible
// target (the gateway or a vLLM pod) and writes results.json, results.csv, summary.md and
// report.html. Flags override the matrix file, which overrides the defaults.
import { parseArgs } from 'node:util';
import { parseGoodput } from './goodput.js';
import { loadMatrix, MatrixError, type MatrixFile } from './matrix-file.js';
import { firstModel, normalizeBaseUrl } from './preflight.js';
import { createProgress } from './progress.js';
import { runMatrix } from './run-matrix.js';
import type { RunConfig, RunResults } from './types.js';
import { writeReport } from '../report/write-report.js';

export const DEFAULT_CONCURRENCY = [1, 2, 4, 8, 16, 32];
export const DEFAULT_CONTEXT = [256, 1024, 2048, 4096];

const HELP = `usage: toolgate loadtest --target URL --model M --out DIR [flags]

Runs every (server settings × context length × concurrency) cell, streaming chat completions
with tools, stream_options.include_usage, ignore_eos and a fixed max_tokens (like vllm bench serve).

  --target URL            gateway or vLLM base URL (http://host:port, /v1 optional); replaces matrix targets
  --model M               model to request (default: the first one the target's /v1/models lists)
  --matrix FILE           YAML/JSON matrix (see loadtest/matrices/); flags below override it
  --out DIR               output directory (results.json, results.csv, summary.md, report.html)
  --concurrency LIST      comma list, default ${DEFAULT_CONCURRENCY.join(',')}
  --context LIST          prompt lengths in tokens, default ${DEFAULT_CONTEXT.join(',')}
  --requests N            measured requests per cell (default 100)
  --duration S            measure each cell for S seconds instead of a request count
  --warmup N              warm-up requests per cell, not measured (default: the cell's concurrency)
  --max-tokens N          output tokens per request, ignore_eos (default 128)
  --request-rate R        open-loop arrivals per second (default inf = closed loop)
  --burstiness B          gamma shape of arrival gaps; 1 = Poisson (default 1)
  --seed N                RNG seed for arrivals and prompts (default 0)
  --goodput SLO...        e.g. --goodput ttft:500 tpot:50 (ms; also e2el:MS)
  --ttft-p95-target MS    P95 TTFT target for the recommendation (default 1000)
  --prometheus URL        sample GPU/KV-cache/queue/gateway-overhead series from this Prometheus
  --prometheus-interval S sampling interval (default 1)
  --no-tools              send plain chat prompts (no tools)
  --timeout S             per-request timeout (default 300)
  --api-key KEY           bearer token (default: $OPENAI_API_KEY)
  --quiet                 no progress display
  -h, --help              this text

Exit status: 0 every cell ran, 1 some cells could not run (results so far are still written), 2 bad usage.`;

const OPTIONS = {
  target: { type: 'string' },
  model: { type: 'string' },
  matrix: { type: 'string' },
  out: { type: 'string' },
  concurrency: { type: 'string' },
  context: { type: 'string' },
  requests: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  'max-tokens': { type: 'string' },
  'request-rate': { type: 'string' },
  burstiness: { type: 'string' },
  seed: { type: 'string' },
  goodput: { type: 'string', multiple: true },
  'ttft-p95-target': { type: 'string' },
  prometheus: { type: 'string' },
  'prometheus-interval': { type: 'string' },
  'no-tools': { type: 'boolean' },
  timeout: { type: 'string' },
  'api-key': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function num(
  flag: string,
  v: string | undefined,
  opts: { int?: boolean; min?: number; allowInf?: boolean } = {},
): number | undefined {
  if (v === undefined) return undefined;
  if (opts.allowInf && /^inf(inity)?$/i.test(v)) return Infinity;
  const n = Number(v);
  if (
    v.trim() === '' ||
    !Number.isFinite(n) ||
    (opts.int && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min)
  ) {
    throw new UsageError(
      `--${flag}: '${v}' is not ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`,
    );
  }
  return n;
}

function list(flag: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => num(flag, s.trim(), { int: true, min: 1 }) as number);
  if (xs.length === 0) throw new UsageError(`--${flag}: empty list`);
  return xs;
}

/** Flags + matrix file → the run's configuration (exported for tests). */
export function buildConfig(values: ParsedValues, goodputArgs: string[], m: MatrixFile): RunConfig {
  // No model: like `vllm bench serve`, the first model the (first) target lists is used.
  const model = values.model ?? m.model ?? '';
  const targets = values.target
    ? [{ label: 'default', target: normalizeBaseUrl(values.target) }]
    : (m.targets ?? []).map((t) => ({
        label: t.label,
        target: normalizeBaseUrl(t.target),
        ...(t.max_num_seqs !== undefined ? { maxNumSeqs: t.max_num_seqs } : {}),
        ...(t.max_num_batched_tokens !== undefined ? { maxNumBatchedTokens: t.max_num_batched_tokens } : {}),
        ...(t.pods !== undefined ? { pods: t.pods } : {}),
      }));
  if (targets.length === 0) throw new UsageError('--target is required (or list `targets:` in the matrix file)');
  const duration =
    num('duration', values.duration, { min: 0.001 }) ?? (values.requests === undefined ? m.duration_s : undefined);
  const requests =
    num('requests', values.requests, { int: true, min: 1 }) ??
    (duration === undefined ? (m.requests ?? 100) : undefined);
  if (values.requests !== undefined && values.duration !== undefined)
    throw new UsageError('use either --requests or --duration, not both');
  const rate =
    num('request-rate', values['request-rate'], { allowInf: true }) ??
    (m.request_rate === 'inf' ? Infinity : m.request_rate) ??
    Infinity;
  if (!(rate > 0)) throw new UsageError('--request-rate must be > 0 (or inf)');
  const burstiness = num('burstiness', values.burstiness) ?? m.burstiness ?? 1;
  if (!(burstiness > 0)) throw new UsageError('--burstiness must be > 0');
  const goodput = goodputArgs.length
    ? parseGoodput(goodputArgs)
    : {
        ...(m.goodput?.ttft_ms !== undefined ? { ttftMs: m.goodput.ttft_ms } : {}),
        ...(m.goodput?.tpot_ms !== undefined ? { tpotMs: m.goodput.tpot_ms } : {}),
        ...(m.goodput?.e2el_ms !== undefined ? { e2elMs: m.goodput.e2el_ms } : {}),
      };
  const warmup = num('warmup', values.warmup, { int: true, min: 0 }) ?? m.warmup;
  return {
    model,
    targets,
    concurrency: list('concurrency', values.concurrency) ?? m.concurrency ?? DEFAULT_CONCURRENCY,
    contextTokens: list('context', values.context) ?? m.context ?? DEFAULT_CONTEXT,
    requestsPerCell: requests ?? null,
    durationS: duration ?? null,
    // -1 = "the cell's concurrency", resolved per cell.
    warmupRequests: warmup ?? -1,
    maxTokens: num('max-tokens', values['max-tokens'], { int: true, min: 1 }) ?? m.max_tokens ?? 128,
    requestRate: rate,
    burstiness,
    seed: num('seed', values.seed, { int: true }) ?? m.seed ?? 0,
    tools: values['no-tools'] ? false : (m.tools ?? true),
    goodput,
    ttftP95TargetMs: num('ttft-p95-target', values['ttft-p95-target'], { min: 0.001 }) ?? m.ttft_p95_target_ms ?? 1000,
    prometheusUrl: values.prometheus ? normalizeBaseUrl(values.prometheus) : null,
    prometheusIntervalS: num('prometheus-interval', values['prometheus-interval'], { min: 0.1 }) ?? 1,
    timeoutS: num('timeout', values.timeout, { min: 0.001 }) ?? m.timeout_s ?? 300,
  };
}

type ParsedValues = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export async function main(argv: string[]): Promise<number> {
  let cfg: RunConfig;
  let outDir: string;
  let apiKey: string | undefined;
  let quiet = false;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    // `--goodput ttft:500 tpot:50` (vLLM's spelling) leaves the later SLOs as positionals.
    const goodputArgs = [...(values.goodput ?? [])];
    for (const p of positionals) {
      if (values.goodput && /^[a-z0-9]+:/i.test(p)) goodputArgs.push(p);
      else throw new UsageError(`unexpected argument '${p}'`);
    }
    if (!values.out) throw new UsageError('--out DIR is required');
    outDir = values.out;
    const matrix = values.matrix ? await loadMatrix(values.matrix) : {};
    cfg = buildConfig(values, goodputArgs, matrix);
    apiKey = values['api-key'] ?? process.env.OPENAI_API_KEY;
    quiet = values.quiet ?? false;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const hint = err instanceof MatrixError ? '' : '\nRun `toolgate loadtest --help` for usage.';
    process.stderr.write(`toolgate loadtest: ${msg}${hint}\n`);
    return 2;
  }

  const headers = apiKey ? { authorization: `Bearer ${apiKey}` } : undefined;
  if (!cfg.model) {
    const first = await firstModel(cfg.targets[0]?.target ?? '', headers);
    if (!first.ok) {
      process.stderr.write(`toolgate loadtest: no --model given and ${first.reason}\n`);
      await writeReport(outDir, {
        tool: 'toolgate-loadtest',
        version: 1,
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        config: cfg,
        cells: [],
        problems: [first.reason],
      });
      return 1;
    }
    cfg = { ...cfg, model: first.model };
  }
  const progress = createProgress(quiet ? null : process.stderr);
  let latest: RunResults | null = null;
  let stop = false;
  const onSigint = () => {
    if (stop && latest) {
      // Second Ctrl-C: save what we have and leave now.
      void writeReport(outDir, latest).finally(() => process.exit(130));
      return;
    }
    stop = true;
    progress.note(
      'toolgate loadtest: interrupted — finishing the current cell, then writing the report (Ctrl-C again to stop now)',
    );
  };
  process.on('SIGINT', onSigint);
  try {
    const results = await runMatrix(cfg, {
      progress,
      shouldStop: () => stop,
      onUpdate: async (r) => {
        latest = r;
        await writeReport(outDir, r);
      },
      ...(headers ? { headers } : {}),
    });
    const rec = await writeReport(outDir, results);
    const head = rec.targets.map(
      (t) =>
        `${t.label}: ${t.maxNumSeqs === null ? 'no cell met the target' : `max_num_seqs=${t.maxNumSeqs} max_num_batched_tokens=${t.maxNumBatchedTokens}`}`,
    );
    process.stdout.write(
      `report: ${outDir}/report.html\n${head.join('\n')}${rec.bestMeasured ? `\nmeasured best settings: ${rec.bestMeasured}` : ''}\n`,
    );
    for (const p of results.problems) process.stderr.write(`toolgate loadtest: ${p}\n`);
    return results.problems.length || results.cells.some((c) => c.aborted) ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
