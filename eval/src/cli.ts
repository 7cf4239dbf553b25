// `toolgate eval ...` and `toolgate eval compare RUN... --out DIR`.
import { parseArgs } from 'node:util';
import { DatasetLoadError } from './dataset.js';
import { fmtPct } from './run/summary.js';
import { EvalUsageError, runEval } from './run/runner.js';

const HELP = `usage: toolgate eval --endpoint URL --model M --dataset D --out DIR [flags]
       toolgate eval compare RUN_DIR... --out DIR [--name LABEL]...

Sends every dataset item (prompt + tools) to an OpenAI-compatible endpoint (vLLM, or Toolgate in
front of it), stores each raw answer in DIR/raw.jsonl as it arrives, and scores the run
(DIR/metrics.json, DIR/scores.jsonl, DIR/summary.md). Re-running the same command resumes: items
already answered are not sent again.

  --endpoint URL        base URL of the API, e.g. http://127.0.0.1:8000/v1 (a bare host gets /v1)
  --model M             model name sent in each request
  --dataset D           bfcl:<category>[,<category>...] (read from the installed bfcl-eval:
                        simple_python, multiple, parallel, parallel_multiple, irrelevance,
                        live_simple, live_multiple, live_parallel, live_parallel_multiple,
                        live_irrelevance, live_relevance) or a JSONL file of
                        {"id"?, "category"?, "messages", "tools", "expected_calls"}
  --out DIR             run folder (created; reused to resume)
  --concurrency N       requests in flight (default 8)
  --limit N             only the first N items
  --temperature T       sampling temperature (default 0)
  --max-tokens N        max_tokens per request
  --extra-body JSON     merged into every request, e.g. '{"chat_template_kwargs":{"enable_thinking":false}}'
  --api-key KEY         bearer token (default: $OPENAI_API_KEY)
  --timeout-ms N        per-request timeout (default 120000)
  --retries N           retries on connection errors, timeouts, 429 and 5xx (default 2)
  --progress-interval-ms N  how often a non-TTY progress line is printed (default 10000)

Exit status: 0 all items answered; 1 some items unanswered, malformed dataset lines, or the
endpoint was unreachable (partial results are kept); 2 bad flags or unknown dataset.`;

function int(name: string, v: string | undefined, dflt: number | undefined, min = 0): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new EvalUsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
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
        endpoint: { type: 'string' },
        model: { type: 'string' },
        dataset: { type: 'string' },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        limit: { type: 'string' },
        temperature: { type: 'string' },
        'max-tokens': { type: 'string' },
        'extra-body': { type: 'string' },
        'api-key': { type: 'string' },
        'timeout-ms': { type: 'string' },
        retries: { type: 'string' },
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
    for (const f of ['endpoint', 'model', 'dataset', 'out'] as const) {
      if (!values[f]) throw new EvalUsageError(`--${f} is required (see --help)`);
    }
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
    if (!Number.isFinite(temperature) || temperature < 0) throw new EvalUsageError(`--temperature must be a number ≥ 0`);
    const limit = int('limit', values.limit, undefined);
    const maxTokens = int('max-tokens', values['max-tokens'], undefined, 1);
    const apiKey = values['api-key'] ?? process.env['OPENAI_API_KEY'];

    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    let result;
    try {
      result = await runEval({
        endpoint: values.endpoint!,
        model: values.model!,
        dataset: values.dataset!,
        out: values.out!,
        concurrency: int('concurrency', values.concurrency, 8, 1)!,
        temperature,
        timeoutMs: int('timeout-ms', values['timeout-ms'], 120_000, 1)!,
        retries: int('retries', values.retries, 2)!,
        progressIntervalMs: int('progress-interval-ms', values['progress-interval-ms'], 10_000, 1)!,
        signal: controller.signal,
        ...(limit !== undefined ? { limit } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(extraBody ? { extraBody } : {}),
        ...(apiKey ? { apiKey } : {}),
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const o = result.metrics.overall;
    process.stdout.write(
      `${values.out}: sent ${result.sent}, resumed past ${result.skipped}, answered ${o.answered}/${o.items}; ` +
        `parse ${fmtPct(o.parseRate.value)}, schema hit ${fmtPct(o.schemaHitRate.value)}, semantic ${fmtPct(o.semanticMatch.value)}, ` +
        `BFCL AST ${fmtPct(o.bfclAccuracy.value)}\n`,
    );
    for (const e of result.datasetErrors) process.stderr.write(`toolgate eval: ${values.dataset}:${e.line}: ${e.message}\n`);
    if (result.aborted) process.stderr.write(`toolgate eval: ${result.aborted}; partial results kept in ${values.out}\n`);
    else if (result.unsettled) process.stderr.write(`toolgate eval: ${result.unsettled} item(s) unanswered; run the same command again to resume\n`);
    return result.aborted || result.unsettled || result.datasetErrors.length ? 1 : 0;
  } catch (err) {
    if (err instanceof EvalUsageError || err instanceof DatasetLoadError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
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
