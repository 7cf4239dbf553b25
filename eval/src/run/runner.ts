// `toolgate eval`: send every dataset item to an OpenAI-compatible endpoint with bounded
// concurrency (one request, or a whole BFCL conversation), append each raw answer durably as it
// arrives, skip what an earlier run already settled, then score everything in the output folder.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { bfclCategorySizes, bfclDataDir, type OpenAiTool } from '../bfcl/bfcl-data.js';
import { leaderboardView, SECTION_CATEGORIES, type LeaderboardView } from '../bfcl/leaderboard.js';
import { BfclSidecar, SidecarError } from '../bfcl/sidecar.js';
import { isPrerequisite, loadDataset, type Dataset, type EvalItem } from '../dataset.js';
import { renderRunReport } from '../compare/compare-report.js';
import { aggregate, type RunMetrics } from '../metrics/aggregate.js';
import { scoreConversation } from '../metrics/conversation-score.js';
import { scoreItem, type ItemScore } from '../metrics/item-score.js';
import { chatCompletion, isConnectionFailure, normalizeBaseUrl, type ClientOptions } from './client.js';
import { runConversation } from './conversation.js';
import { createProgress } from './progress.js';
import { isSettled, latestById, loadRaw, RawWriter, type RawRecord } from './raw-store.js';
import { renderRunSummary } from './summary.js';

export interface EvalOptions {
  endpoint: string;
  model: string;
  dataset: string;
  out: string;
  concurrency: number;
  /** Only the first N items of the dataset. */
  limit?: number;
  /** Only the first N items of each category (memory prerequisites they need come along). */
  limitPerCategory?: number;
  temperature: number;
  maxTokens?: number;
  extraBody?: Record<string, unknown>;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  /** Python with bfcl-eval installed (default: $TOOLGATE_PYTHON, else the project's .venv). */
  python?: string;
  progressIntervalMs?: number;
  progressStream?: NodeJS.WriteStream;
  progressLabel?: string;
  signal?: AbortSignal;
  /** `dataset`, already loaded (several endpoints in one command share one load). */
  loaded?: Dataset;
}

export interface RunMeta {
  version: 1;
  endpoint: string;
  model: string;
  dataset: string;
  created: string;
}

export interface EvalResult {
  metrics: RunMetrics;
  leaderboard: LeaderboardView | null;
  sent: number;
  skipped: number;
  unsettled: number;
  datasetErrors: Dataset['errors'];
  aborted: string | null;
}

export class EvalUsageError extends Error {
  override name = 'EvalUsageError';
}

export const RUN_FILES = {
  meta: 'run.json',
  raw: 'raw.jsonl',
  scores: 'scores.jsonl',
  metrics: 'metrics.json',
  summary: 'summary.md',
  report: 'report.html',
  memory: 'bfcl-memory',
} as const;

function checkMeta(out: string, meta: RunMeta): void {
  const path = join(out, RUN_FILES.meta);
  if (existsSync(path)) {
    const prev = JSON.parse(readFileSync(path, 'utf8')) as RunMeta;
    if (prev.model !== meta.model || prev.dataset !== meta.dataset) {
      throw new EvalUsageError(
        `${out} holds a run of model '${prev.model}' on '${prev.dataset}'; resuming needs the same --model and --dataset (or use a new --out)`,
      );
    }
    return;
  }
  writeFileSync(path, JSON.stringify(meta, null, 2) + '\n');
}

type BodyOptions = Pick<EvalOptions, 'model' | 'temperature' | 'maxTokens' | 'extraBody'>;

/** The chat-completions body for a history and its tools. */
export function chatBody(messages: unknown[], tools: OpenAiTool[], o: BodyOptions): Record<string, unknown> {
  return {
    model: o.model,
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    temperature: o.temperature,
    ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
    ...o.extraBody,
  };
}

export const requestBody = (item: EvalItem, o: BodyOptions): Record<string, unknown> =>
  chatBody(item.messages, item.tools, o);

/**
 * The items a run covers: the first `limit` overall, or the first `limitPerCategory` scored items
 * of each category; plus every memory prerequisite those depend on (BFCL runs them first).
 */
export function selectItems(items: EvalItem[], o: Pick<EvalOptions, 'limit' | 'limitPerCategory'>): EvalItem[] {
  let chosen = items.filter((it) => !isPrerequisite(it));
  if (o.limitPerCategory !== undefined) {
    const seen = new Map<string, number>();
    chosen = chosen.filter((it) => {
      const n = seen.get(it.category) ?? 0;
      seen.set(it.category, n + 1);
      return n < o.limitPerCategory!;
    });
  }
  if (o.limit !== undefined) chosen = chosen.slice(0, o.limit);
  const needed = new Set(chosen.flatMap((it) => it.conversation?.depends_on ?? []));
  const keep = new Set([...chosen.map((it) => it.id), ...needed]);
  return items.filter((it) => keep.has(it.id));
}

const needsSidecar = (items: EvalItem[]): boolean => items.some((it) => it.conversation !== undefined);

export async function runEval(o: EvalOptions): Promise<EvalResult> {
  const dataset = o.loaded ?? loadDataset(o.dataset, o.python !== undefined ? { python: o.python } : {});
  const items = selectItems(dataset.items, o);
  const baseUrl = normalizeBaseUrl(o.endpoint);
  mkdirSync(o.out, { recursive: true });
  checkMeta(o.out, {
    version: 1,
    endpoint: o.endpoint,
    model: o.model,
    dataset: o.dataset,
    created: new Date().toISOString(),
  });
  if (dataset.errors.length > 0) {
    writeFileSync(join(o.out, 'dataset-errors.jsonl'), dataset.errors.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  const rawPath = join(o.out, RUN_FILES.raw);
  const settled = latestById(loadRaw(rawPath).records);
  const pending = items.filter((it) => !isSettled(settled.get(it.id)));
  const skipped = items.length - pending.length;
  const inRun = new Set(items.map((it) => it.id));
  const writer = new RawWriter(rawPath);
  const progress = createProgress(pending.length, {
    ...(o.progressStream ? { stream: o.progressStream } : {}),
    ...(o.progressIntervalMs !== undefined ? { intervalMs: o.progressIntervalMs } : {}),
    ...(o.progressLabel !== undefined ? { label: o.progressLabel } : {}),
  });
  let sidecar: BfclSidecar | null = null;
  // Started on first use; a sidecar that died (its conversations are then unsettled) is replaced for scoring.
  const getSidecar = (): BfclSidecar => {
    if (!sidecar || sidecar.failure)
      sidecar = new BfclSidecar({
        memoryDir: join(o.out, RUN_FILES.memory),
        ...(o.python !== undefined ? { python: o.python } : {}),
      });
    return sidecar;
  };
  const client: ClientOptions = {
    baseUrl,
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
  };

  // Stop early when nothing is listening instead of failing every item one by one.
  const abortAfter = Math.max(3, o.concurrency);
  let consecutiveConnFailures = 0;
  let anyOk = false;
  let aborted: string | null = null;
  let sent = 0;
  // Dependencies (memory prerequisites) gate when an item may start, as BFCL's scheduler does:
  // a dependency is done once it has a settled record or finished in this run, whatever its outcome;
  // ones outside this run are ignored.
  const done = new Set(items.filter((it) => isSettled(settled.get(it.id))).map((it) => it.id));
  const ready = (it: EvalItem): boolean =>
    (it.conversation?.depends_on ?? []).every((d) => done.has(d) || !inRun.has(d));
  let waiters: (() => void)[] = [];
  const wake = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  let inFlight = 0;
  const take = async (): Promise<EvalItem | null> => {
    for (;;) {
      if (aborted !== null || o.signal?.aborted || pending.length === 0) return null;
      const i = pending.findIndex(ready);
      if (i >= 0) {
        inFlight++; // counted before returning, so no other worker sees an empty pipeline meanwhile
        return pending.splice(i, 1)[0]!;
      }
      if (inFlight === 0) return null; // nothing can unblock the rest
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const item = await take();
      if (!item) return;
      let record: RawRecord;
      try {
        record = item.conversation
          ? await runConversation(item.conversation, {
              sidecar: getSidecar(),
              client,
              body: (messages, tools) => chatBody(messages, tools, o),
              ...(o.signal ? { signal: o.signal } : {}),
            })
          : await chatCompletion(item.id, requestBody(item, o), client);
      } catch (err) {
        inFlight--;
        if (!(err instanceof SidecarError)) throw err;
        aborted ??= `BFCL backends failed: ${err.message}`;
        wake();
        return;
      }
      inFlight--;
      writer.append(record);
      done.add(item.id);
      sent++;
      progress.tick(record.status === 'ok');
      if (record.status === 'ok') anyOk = true;
      consecutiveConnFailures = isConnectionFailure(record) ? consecutiveConnFailures + 1 : 0;
      if (!anyOk && consecutiveConnFailures >= abortAfter && aborted === null) {
        aborted = `endpoint ${baseUrl} unreachable: ${record.error?.message ?? 'connection failed'}`;
      }
      wake();
    }
  };
  try {
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, pending.length || 1)) }, worker));
    } finally {
      progress.done();
      await writer.close();
    }
    if (aborted === null && o.signal?.aborted) aborted = 'interrupted';

    const { scores, metrics } = await scoreRun(o.out, items, getSidecar);
    const latest = latestById(loadRaw(rawPath).records);
    const unsettled = items.filter((it) => !isSettled(latest.get(it.id))).length;
    const leaderboard = o.dataset.startsWith('bfcl:') ? bfclLeaderboard(scores, o.python) : null;
    writeFileSync(
      join(o.out, RUN_FILES.metrics),
      JSON.stringify(
        {
          model: o.model,
          dataset: o.dataset,
          endpoint: o.endpoint,
          ...metrics,
          bfclLeaderboard: leaderboard,
          datasetErrors: dataset.errors,
          unsettled,
          aborted,
        },
        null,
        2,
      ) + '\n',
    );
    const summary = {
      model: o.model,
      dataset: o.dataset,
      metrics,
      leaderboard,
      unsettled,
      datasetErrors: dataset.errors.length,
      aborted,
    };
    writeFileSync(join(o.out, RUN_FILES.summary), renderRunSummary(summary));
    writeFileSync(join(o.out, RUN_FILES.report), renderRunReport(o.out));
    return { metrics, leaderboard, sent, skipped, unsettled, datasetErrors: dataset.errors, aborted };
  } finally {
    await (sidecar as BfclSidecar | null)?.close();
  }
}

/** BFCL's leaderboard numbers from the run's per-item verdicts (prerequisites are not scored). */
function bfclLeaderboard(scores: ItemScore[], python?: string): LeaderboardView {
  const results: Record<string, { correct: number; total: number }> = {};
  for (const s of scores) {
    if (!s.bfcl) continue;
    const r = (results[s.category] ??= { correct: 0, total: 0 });
    r.total++;
    if (s.bfcl.valid) r.correct++;
  }
  const categories = [...Object.values(SECTION_CATEGORIES).flat(), 'live_relevance'];
  return leaderboardView(results, bfclCategorySizes(categories, bfclDataDir(python)));
}

/** Scores every item from what raw.jsonl holds (also used to re-score an existing run). */
export async function scoreRun(
  out: string,
  items: EvalItem[],
  sidecar: () => BfclSidecar,
): Promise<{ scores: ItemScore[]; metrics: RunMetrics }> {
  const latest = latestById(loadRaw(join(out, RUN_FILES.raw)).records);
  const scored = items.filter((it) => !isPrerequisite(it));
  const scores = new Array<ItemScore>(scored.length);
  // Multi-turn checks are round trips to the sidecar; a few in flight keep it busy.
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < scored.length; i = next++) {
      const it = scored[i]!;
      scores[i] = it.conversation
        ? await scoreConversation(it, latest.get(it.id), sidecar)
        : scoreItem(it, latest.get(it.id));
    }
  };
  await Promise.all(Array.from({ length: needsSidecar(scored) ? 4 : 1 }, worker));
  writeFileSync(
    join(out, RUN_FILES.scores),
    scores.map((s) => JSON.stringify(s)).join('\n') + (scores.length ? '\n' : ''),
  );
  return { scores, metrics: aggregate(scores) };
}
