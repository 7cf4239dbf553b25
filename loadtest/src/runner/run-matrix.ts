// Walks the matrix — server settings × context length × concurrency — cell by cell. Each target
// is checked first (reachable, serves the model); a failure there, or a target that stops
// answering mid-run, is recorded as a problem and its remaining cells as aborted, while every
// finished cell is kept and handed to `onUpdate` so results on disk are never lost.
import { runCell } from './cell-runner.js';
import { normalizeBaseUrl, preflight } from './preflight.js';
import { buildPromptPool, type PromptPool } from './prompt-pool.js';
import { buildPrompt, fillerWords, TOOLS } from './prompts.js';
import type { Progress } from './progress.js';
import { createRng } from './rng.js';
import { createTokenCounter } from './token-counter.js';
import { computeCellMetrics } from './metrics.js';
import type { CellResult, RunConfig, RunResults, ServerSettings } from './types.js';

export interface RunHooks {
  progress: Progress;
  /** Called after every cell (and at the end) with the results so far. */
  onUpdate?: (results: RunResults) => Promise<void>;
  /** Checked between cells; when it returns true the run stops and keeps what it has. */
  shouldStop?: () => boolean;
  headers?: Record<string, string>;
  /** Distinct prompts per context length (default 8). */
  promptVariants?: number;
}

export async function runMatrix(cfg: RunConfig, hooks: RunHooks): Promise<RunResults> {
  const results: RunResults = {
    tool: 'toolgate-loadtest',
    version: 1,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    config: cfg,
    cells: [],
    problems: [],
  };
  const total = cfg.targets.length * cfg.contextTokens.length * cfg.concurrency.length;
  const update = async () => hooks.onUpdate?.(results);
  let index = 0;

  for (const target of cfg.targets) {
    const baseUrl = normalizeBaseUrl(target.target);
    const pre = await preflight(baseUrl, cfg.model, hooks.headers);
    if (!pre.ok) {
      results.problems.push(`${target.label}: ${pre.reason}`);
      hooks.progress.note(`toolgate loadtest: ${target.label}: ${pre.reason} — skipping its cells`);
      for (const ctx of cfg.contextTokens)
        for (const c of cfg.concurrency) results.cells.push(abortedCell(target, baseUrl, c, ctx, pre.reason));
      index += cfg.contextTokens.length * cfg.concurrency.length;
      await update();
      continue;
    }
    const probe = buildPrompt(0, fillerWords(createRng(1), 16), 16, cfg.tools ? TOOLS.length : 0);
    const counter = await createTokenCounter(baseUrl, cfg.model, probe, hooks.headers);
    let targetDown: string | null = null;

    for (const ctx of cfg.contextTokens) {
      let pool: PromptPool | null = null;
      for (const c of cfg.concurrency) {
        const label = `${target.label} ctx=${ctx} c=${c}`;
        if (hooks.shouldStop?.()) {
          results.problems.push('interrupted: remaining cells were not run');
          return finish(results, update);
        }
        hooks.progress.cellStart(index++, total, label);
        const tooLong = pre.maxModelLen !== null && ctx + cfg.maxTokens > pre.maxModelLen;
        const skip =
          targetDown ??
          (tooLong
            ? `context ${ctx} + max_tokens ${cfg.maxTokens} exceeds the model's max_model_len ${pre.maxModelLen}`
            : null);
        if (skip) {
          results.cells.push(abortedCell(target, baseUrl, c, ctx, skip));
          hooks.progress.cellEnd(`skipped: ${skip}`);
          await update();
          continue;
        }
        pool ??= await buildPromptPool(ctx, hooks.promptVariants ?? 8, counter, { seed: cfg.seed, tools: cfg.tools });
        const run = await runCell({
          baseUrl,
          model: cfg.model,
          pool,
          concurrency: c,
          requests: cfg.requestsPerCell,
          durationS: cfg.durationS,
          warmupRequests: cfg.warmupRequests < 0 ? c : cfg.warmupRequests,
          maxTokens: cfg.maxTokens,
          requestRate: cfg.requestRate,
          burstiness: cfg.burstiness,
          seed: cfg.seed + index,
          timeoutS: cfg.timeoutS,
          goodput: cfg.goodput,
          prometheusUrl: cfg.prometheusUrl,
          prometheusIntervalS: cfg.prometheusIntervalS,
          onProgress: (d, t, f) => hooks.progress.request(d, t, f),
          ...(hooks.headers ? { headers: hooks.headers } : {}),
        });
        const m = run.metrics;
        results.cells.push({
          targetLabel: target.label,
          targetUrl: baseUrl,
          concurrency: c,
          contextTokens: ctx,
          promptTokensMeasured: Math.round(pool.meanTokens),
          promptTokensMethod: counter.method,
          toolsPerPrompt: pool.minTools,
          metrics: m,
          server: run.server,
        });
        hooks.progress.cellEnd(
          `${m.completed} ok, ${m.failed} failed · TTFT p95 ${m.ttftMs.p95.toFixed(1)} ms · TPOT p50 ${m.tpotMs.p50.toFixed(2)} ms · ${m.outputThroughput.toFixed(0)} tok/s`,
        );
        const all = [...run.warmup, ...run.outputs];
        if (all.length > 0 && all.every((o) => o.error?.kind === 'connection')) {
          targetDown = `target ${baseUrl} stopped accepting connections`;
          results.problems.push(`${target.label}: ${targetDown} (${all[0]?.error?.message ?? ''})`);
        }
        await update();
      }
    }
  }
  return finish(results, update);
}

async function finish(results: RunResults, update: () => Promise<void>): Promise<RunResults> {
  results.finishedAt = new Date().toISOString();
  await update();
  return results;
}

function abortedCell(
  target: ServerSettings,
  baseUrl: string,
  concurrency: number,
  ctx: number,
  reason: string,
): CellResult {
  return {
    targetLabel: target.label,
    targetUrl: baseUrl,
    concurrency,
    contextTokens: ctx,
    promptTokensMeasured: 0,
    promptTokensMethod: 'estimate',
    toolsPerPrompt: 0,
    metrics: computeCellMetrics([], 0),
    server: [],
    aborted: reason,
  };
}
