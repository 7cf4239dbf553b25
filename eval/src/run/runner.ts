// `toolgate eval`: send every dataset item to an OpenAI-compatible endpoint with bounded
// concurrency, append each raw answer durably as it arrives, skip what an earlier run already
// settled, then score everything in the output folder.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, type Dataset, type EvalItem } from '../dataset.js';
import { aggregate, type RunMetrics } from '../metrics/aggregate.js';
import { scoreItem, type ItemScore } from '../metrics/item-score.js';
import { chatCompletion, isConnectionFailure, normalizeBaseUrl } from './client.js';
import { createProgress } from './progress.js';
import { isSettled, latestById, loadRaw, RawWriter } from './raw-store.js';
import { renderRunSummary } from './summary.js';

export interface EvalOptions {
  endpoint: string;
  model: string;
  dataset: string;
  out: string;
  concurrency: number;
  limit?: number;
  temperature: number;
  maxTokens?: number;
  extraBody?: Record<string, unknown>;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  progressIntervalMs?: number;
  progressStream?: NodeJS.WriteStream;
  signal?: AbortSignal;
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
  sent: number;
  skipped: number;
  unsettled: number;
  datasetErrors: Dataset['errors'];
  aborted: string | null;
}

export class EvalUsageError extends Error {
  override name = 'EvalUsageError';
}

export const RUN_FILES = { meta: 'run.json', raw: 'raw.jsonl', scores: 'scores.jsonl', metrics: 'metrics.json', summary: 'summary.md' } as const;

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

export function requestBody(item: EvalItem, o: Pick<EvalOptions, 'model' | 'temperature' | 'maxTokens' | 'extraBody'>): Record<string, unknown> {
  return {
    model: o.model,
    messages: item.messages,
    ...(item.tools.length > 0 ? { tools: item.tools } : {}),
    temperature: o.temperature,
    ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
    ...o.extraBody,
  };
}

export async function runEval(o: EvalOptions): Promise<EvalResult> {
  const dataset = loadDataset(o.dataset);
  const items = o.limit !== undefined ? dataset.items.slice(0, o.limit) : dataset.items;
  const baseUrl = normalizeBaseUrl(o.endpoint);
  mkdirSync(o.out, { recursive: true });
  checkMeta(o.out, { version: 1, endpoint: o.endpoint, model: o.model, dataset: o.dataset, created: new Date().toISOString() });
  if (dataset.errors.length > 0) {
    writeFileSync(join(o.out, 'dataset-errors.jsonl'), dataset.errors.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  const rawPath = join(o.out, RUN_FILES.raw);
  const settled = latestById(loadRaw(rawPath).records);
  const pending = items.filter((it) => !isSettled(settled.get(it.id)));
  const writer = new RawWriter(rawPath);
  const progress = createProgress(pending.length, {
    ...(o.progressStream ? { stream: o.progressStream } : {}),
    ...(o.progressIntervalMs !== undefined ? { intervalMs: o.progressIntervalMs } : {}),
  });

  // Stop early when nothing is listening instead of failing every item one by one.
  const abortAfter = Math.max(3, o.concurrency);
  let consecutiveConnFailures = 0;
  let anyOk = false;
  let aborted: string | null = null;
  let next = 0;
  let sent = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (aborted !== null || o.signal?.aborted) return;
      const item = pending[next++];
      if (!item) return;
      const record = await chatCompletion(item.id, requestBody(item, o), {
        baseUrl,
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      });
      writer.append(record);
      sent++;
      progress.tick(record.status === 'ok');
      if (record.status === 'ok') anyOk = true;
      consecutiveConnFailures = isConnectionFailure(record) ? consecutiveConnFailures + 1 : 0;
      if (!anyOk && consecutiveConnFailures >= abortAfter && aborted === null) {
        aborted = `endpoint ${baseUrl} unreachable: ${record.error?.message ?? 'connection failed'}`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, pending.length || 1)) }, worker));
  } finally {
    progress.done();
    await writer.close();
  }
  if (aborted === null && o.signal?.aborted) aborted = 'interrupted';

  const { scores, metrics } = scoreRun(o.out, items);
  const unsettled = scores.filter((s) => s.status === 'error' || s.status === 'missing').length;
  writeFileSync(
    join(o.out, RUN_FILES.metrics),
    JSON.stringify({ model: o.model, dataset: o.dataset, endpoint: o.endpoint, ...metrics, datasetErrors: dataset.errors, unsettled, aborted }, null, 2) + '\n',
  );
  writeFileSync(join(o.out, RUN_FILES.summary), renderRunSummary({ model: o.model, dataset: o.dataset, metrics, unsettled, datasetErrors: dataset.errors.length, aborted }));
  return { metrics, sent, skipped: items.length - pending.length, unsettled, datasetErrors: dataset.errors, aborted };
}

/** Scores every item from what raw.jsonl holds (also used to re-score an existing run). */
export function scoreRun(out: string, items: EvalItem[]): { scores: ItemScore[]; metrics: RunMetrics } {
  const latest = latestById(loadRaw(join(out, RUN_FILES.raw)).records);
  const scores = items.map((it) => scoreItem(it, latest.get(it.id)));
  writeFileSync(join(out, RUN_FILES.scores), scores.map((s) => JSON.stringify(s)).join('\n') + (scores.length ? '\n' : ''));
  return { scores, metrics: aggregate(scores) };
}
