// `toolgate eval ...` and `toolgate eval compare RUN... --out DIR`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DatasetLoadError, loadDataset } from './dataset.js';
import { fmtPct } from './run/summary.js';
import { normalizeBaseUrl } from './run/client.js';
import { EvalUsageError, RUN_FILES, runEval, type EvalOptions, type EvalResult } from './run/runner.js';

const HELP = `usage: toolgate eval --endpoint URL --model M --dataset D --out DIR [flags]
       toolgate eval --endpoint URL1 --endpoint URL2 [--name A --name B] --model M --dataset D --out DIR
       toolgate eval compare RUN_DIR... --out DIR [--name LABEL]...

Sends every dataset item (prompt + tools, or a whole BFCL multi-turn conversation) to an
OpenAI-compatible endpoint (vLLM, or Toolgate in front of it), stores each raw answer in
DIR/raw.jsonl as it arrives, and scores the run (DIR/metrics.json, DIR/scores.jsonl,
DIR/summary.md, DIR/report.html). Re-running the same command resumes: items already answered are
not sent again. With several --endpoint flags, each runs into DIR/<name>/ one after the other and
DIR/compare/ puts them side by side (e.g. a vLLM pod directly and through Toolgate: the lift).

  --endpoint URL        base URL of the API, e.g. http://127.0.0.1:8000/v1 (a bare host gets /v1); repeatable
  --name LABEL          label of each --endpoint's run, in order (default host-port)
  --model M             model name sent in each request; repeat once per --endpoint to differ
  --dataset D           bfcl:<category>[,<category>...] (read from the installed bfcl-eval):
                          single turn: simple_python, multiple, parallel, parallel_multiple,
                            irrelevance, live_simple, live_multiple, live_parallel,
                            live_parallel_multiple, live_irrelevance, live_relevance
                          multi-turn: multi_turn_base, multi_turn_miss_func, multi_turn_miss_param,
                            multi_turn_long_context
                          agentic: memory_kv, memory_rec_sum
                          collections: non_live, live, single_turn, multi_turn, memory, all
                        or a JSONL file of {"id"?, "category"?, "messages", "tools", "expected_calls"}
  --out DIR             run folder (created; reused to resume)
  --concurrency N       requests (or conversations) in flight (default 8)
  --limit N             only the first N items
  --limit-per-category N  only the first N items of each category
  --temperature T       sampling temperature (default 0)
  --max-tokens N        max_tokens per request
  --extra-body JSON     merged into every request, e.g. '{"chat_template_kwargs":{"enable_thinking":false}}'
  --api-key KEY         bearer token (default: $OPENAI_API_KEY)
  --timeout-ms N        per-request timeout (default 120000)
  --retries N           retries on connection errors, timeouts, 429 and 5xx (default 2)
  --python PATH         Python with eval/requirements.txt installed (default: $TOOLGATE_PYTHON, else .venv)
  --progress-interval-ms N  how often a non-TTY progress line is printed (default 10000)

Exit status: 0 all items answered; 1 some items unanswered, malformed dataset lines, or the
endpoint was unreachable (partial results are kept); 2 bad flags or unknown dataset.`;

function int(name: string, v: string | undefined, dflt: number | undefined, min = 0): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new EvalUsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

/** A folder name for an endpoint's run: host-port (unique among the runs). */
export function endpointLabel(endpoint: string, taken: Set<string>): string {
  let base: string;
  try {
    const u = new URL(endpoint);
    base = `${u.hostname}-${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    base = endpoint.replace(/[^A-Za-z0-9._-]+/g, '-');
  }
  let label = base;
  for (let i = 2; taken.has(label); i++) label = `${base}-${i}`;
  taken.add(label);
  return label;
}

function report(out: string, r: EvalResult): void {
  const o = r.metrics.overall;
  const board = r.leaderboard
    ? `, BFCL overall ${fmtPct(r.leaderboard.overall)} (covers ${fmtPct(r.leaderboard.maxReachable)} of its weight)`
    : '';
  process.stdout.write(
    `${out}: sent ${r.sent}, resumed past ${r.skipped}, answered ${o.answered}/${o.items}; ` +
      `parse ${fmtPct(o.parseRate.value)}, schema hit ${fmtPct(o.schemaHitRate.value)}, semantic ${fmtPct(o.semanticMatch.value)}, ` +
      `BFCL ${fmtPct(o.bfclAccuracy.value)}${board}\n`,
  );
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'compare') {
    const { main: compareMain } = await import('./compare/cli.js');
    return compareMain(argv.slice(1));
  }
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: 'string', multiple: true },
        name: { type: 'string', multiple: true },
        model: { type: 'string', multiple: true },
        dataset: { type: 'string' },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        limit: { type: 'string' },
        'limit-per-category': { type: 'string' },
        temperature: { type: 'string' },
        'max-tokens': { type: 'string' },
        'extra-body': { type: 'string' },
        'api-key': { type: 'string' },
        'timeout-ms': { type: 'string' },
        retries: { type: 'string' },
        python: { type: 'string' },
        'progress-interval-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    const endpoints = values.endpoint ?? [];
    const models = values.model ?? [];
    if (endpoints.length === 0) throw new EvalUsageError('--endpoint is required (see --help)');
    for (const e of endpoints) normalizeBaseUrl(e); // a bad URL is a usage error before anything runs
    if (models.length === 0) throw new EvalUsageError('--model is required (see --help)');
    for (const f of ['dataset', 'out'] as const) {
      if (!values[f]) throw new EvalUsageError(`--${f} is required (see --help)`);
    }
    if (models.length !== 1 && models.length !== endpoints.length) {
      throw new EvalUsageError(`give one --model, or one per --endpoint (${endpoints.length}); got ${models.length}`);
    }
    const names = values.name ?? [];
    if (names.length > endpoints.length)
      throw new EvalUsageError(`${names.length} --name labels for ${endpoints.length} endpoints`);
    if (new Set(names).size !== names.length) throw new EvalUsageError('--name labels must differ');
    let extraBody: Record<string, unknown> | undefined;
    if (values['extra-body'] !== undefined) {
      try {
        extraBody = JSON.parse(values['extra-body']) as Record<string, unknown>;
      } catch {
        extraBody = undefined;
      }
      if (typeof extraBody !== 'object' || extraBody === null || Array.isArray(extraBody)) {
        throw new EvalUsageError('--extra-body must be a JSON object');
      }
    }
    const temperature = values.temperature === undefined ? 0 : Number(values.temperature);
    if (!Number.isFinite(temperature) || temperature < 0)
      throw new EvalUsageError(`--temperature must be a number ≥ 0`);
    const limit = int('limit', values.limit, undefined);
    const limitPerCategory = int('limit-per-category', values['limit-per-category'], undefined, 1);
    const maxTokens = int('max-tokens', values['max-tokens'], undefined, 1);
    const apiKey = values['api-key'] ?? process.env['OPENAI_API_KEY'];
    const common: Omit<EvalOptions, 'endpoint' | 'model' | 'out'> = {
      dataset: values.dataset!,
      concurrency: int('concurrency', values.concurrency, 8, 1)!,
      temperature,
      timeoutMs: int('timeout-ms', values['timeout-ms'], 120_000, 1)!,
      retries: int('retries', values.retries, 2)!,
      progressIntervalMs: int('progress-interval-ms', values['progress-interval-ms'], 10_000, 1)!,
      ...(limit !== undefined ? { limit } : {}),
      ...(limitPerCategory !== undefined ? { limitPerCategory } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(extraBody ? { extraBody } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(values.python ? { python: values.python } : {}),
    };

    const taken = new Set(names);
    const runs = endpoints.map((endpoint, i) => {
      const multi = endpoints.length > 1;
      const label = names[i] ?? (multi ? endpointLabel(endpoint, taken) : '');
      return { endpoint, model: models[i] ?? models[0]!, label, out: multi ? join(values.out!, label) : values.out! };
    });

    const loaded = loadDataset(common.dataset, common.python !== undefined ? { python: common.python } : {});
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    let code = 0;
    try {
      for (const run of runs) {
        if (controller.signal.aborted) break;
        const result = await runEval({
          ...common,
          endpoint: run.endpoint,
          model: run.model,
          out: run.out,
          signal: controller.signal,
          loaded,
          ...(run.label ? { progressLabel: `eval ${run.label}` } : {}),
        });
        report(run.out, result);
        for (const e of result.datasetErrors)
          process.stderr.write(`toolgate eval: ${values.dataset}:${e.line}: ${e.message}\n`);
        if (result.aborted)
          process.stderr.write(
            `toolgate eval: ${run.label ? `${run.label}: ` : ''}${result.aborted}; partial results kept in ${run.out}\n`,
          );
        else if (result.unsettled)
          process.stderr.write(
            `toolgate eval: ${result.unsettled} item(s) unanswered in ${run.out}; run the same command again to resume\n`,
          );
        if (result.aborted || result.unsettled || result.datasetErrors.length) code = 1;
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    if (runs.length > 1) {
      const { loadRun, writeComparison } = await import('./compare/compare-report.js');
      const finished = runs.filter((r) => existsSync(join(r.out, RUN_FILES.metrics)));
      if (finished.length < 2) return code;
      const { comparison } = writeComparison(
        finished.map((r) => loadRun(r.out, r.label)),
        join(values.out!, 'compare'),
      );
      const lift = (key: string, label: string): string => {
        const row =
          key === 'overall'
            ? comparison.bfcl.find((r) => r.key === 'overall')
            : comparison.metrics.find((m) => m.key === key);
        const d = row?.deltaVsFirst.slice(1) ?? [];
        return d.some((x) => x !== null)
          ? `${label} ${d.map((x) => (x === null ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pp`)).join(', ')}`
          : '';
      };
      const lifts = [
        lift('overall', 'BFCL overall'),
        lift('bfclAccuracy', 'BFCL accuracy'),
        lift('executableRate', 'executable'),
        lift('parseRate', 'parse'),
      ].filter(Boolean);
      process.stdout.write(
        `${join(values.out!, 'compare')}: ${finished.map((r) => r.label).join(' vs ')}${lifts.length ? ` — vs ${finished[0]!.label}: ${lifts.join('; ')}` : ''}\n`,
      );
    }
    return code;
  } catch (err) {
    if (
      err instanceof EvalUsageError ||
      err instanceof DatasetLoadError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`toolgate eval: ${(err as Error).message}\n`);
      return 2;
    }
    if (err instanceof Error && /--endpoint/.test(err.message)) {
      process.stderr.write(`toolgate eval: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
