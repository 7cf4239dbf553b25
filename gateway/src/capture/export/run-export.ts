// The export itself: records → rows of one format → de-duplicated → split train/holdout by
// conversation → JSONL files (+ LLaMA-Factory dataset_info.json entries) in the output directory.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaptureRecord } from '../record.js';
import { unitHash } from './canonical.js';
import { buildRow, contentKey, conversationIdOf, type ExportFormat, type ExportRow } from './formats.js';

export interface ExportOptions {
  format: ExportFormat;
  outDir: string;
  /** Share of conversations held out, 0..1. */
  holdout: number;
  seed: string;
  /** Dataset name prefix: files `<name>_<kind>_{train,holdout}.jsonl`. */
  name: string;
}

export interface ExportSummary {
  format: ExportFormat;
  records: number;
  shadowPairs: number;
  duplicateIds: number;
  duplicateContent: number;
  skipped: Record<string, number>;
  train: number;
  holdout: number;
  conversations: { train: number; holdout: number };
  files: { train: string; holdout: string; datasetInfo: string | null };
}

const KIND: Record<ExportFormat, string> = { 'llamafactory-sft': 'sft', 'llamafactory-dpo': 'dpo', 'trl-grpo': 'grpo' };

export async function runExport(records: CaptureRecord[], opts: ExportOptions): Promise<ExportSummary> {
  const kind = KIND[opts.format];
  const trainFile = `${opts.name}_${kind}_train.jsonl`;
  const holdoutFile = `${opts.name}_${kind}_holdout.jsonl`;
  const summary: ExportSummary = {
    format: opts.format,
    records: records.length,
    shadowPairs: 0,
    duplicateIds: 0,
    duplicateContent: 0,
    skipped: {},
    train: 0,
    holdout: 0,
    conversations: { train: 0, holdout: 0 },
    files: {
      train: path.join(opts.outDir, trainFile),
      holdout: path.join(opts.outDir, holdoutFile),
      datasetInfo: null,
    },
  };
  const seenIds = new Set<string>();
  const seenContent = new Set<string>();
  const train: ExportRow[] = [];
  const held: ExportRow[] = [];
  const convs = { train: new Set<string>(), holdout: new Set<string>() };
  for (const rec of records) {
    if (rec.kind !== 'tool_call') {
      summary.shadowPairs++;
      continue;
    }
    if (seenIds.has(rec.id)) {
      summary.duplicateIds++;
      continue;
    }
    seenIds.add(rec.id);
    const built = buildRow(opts.format, rec);
    if ('skip' in built) {
      summary.skipped[built.skip] = (summary.skipped[built.skip] ?? 0) + 1;
      continue;
    }
    const key = contentKey(opts.format, built.row);
    if (seenContent.has(key)) {
      summary.duplicateContent++;
      continue;
    }
    seenContent.add(key);
    const conv = conversationIdOf(rec);
    const isHoldout = unitHash(opts.seed, conv) < opts.holdout;
    (isHoldout ? held : train).push(built.row);
    (isHoldout ? convs.holdout : convs.train).add(conv);
  }
  summary.train = train.length;
  summary.holdout = held.length;
  summary.conversations = { train: convs.train.size, holdout: convs.holdout.size };

  await mkdir(opts.outDir, { recursive: true });
  await writeFile(summary.files.train, jsonl(train));
  await writeFile(summary.files.holdout, jsonl(held));
  if (opts.format !== 'trl-grpo') {
    summary.files.datasetInfo = path.join(opts.outDir, 'dataset_info.json');
    await mergeDatasetInfo(summary.files.datasetInfo, {
      [`${opts.name}_${kind}_train`]: datasetInfoEntry(trainFile, opts.format),
      [`${opts.name}_${kind}_holdout`]: datasetInfoEntry(holdoutFile, opts.format),
    });
  }
  return summary;
}

const jsonl = (rows: ExportRow[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

/** A dataset_info.json entry LLaMA-Factory loads as-is (sharegpt, tools column, ranking for DPO). */
export function datasetInfoEntry(fileName: string, format: ExportFormat): Record<string, unknown> {
  const columns: Record<string, string> = { messages: 'conversations', system: 'system', tools: 'tools' };
  if (format === 'llamafactory-dpo') Object.assign(columns, { chosen: 'chosen', rejected: 'rejected' });
  return {
    file_name: fileName,
    formatting: 'sharegpt',
    ...(format === 'llamafactory-dpo' ? { ranking: true } : {}),
    columns,
  };
}

/** Adds/replaces our entries, keeping any others already in the file. */
async function mergeDatasetInfo(file: string, entries: Record<string, unknown>): Promise<void> {
  let existing: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) existing = parsed as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${file} exists but is not a JSON object; refusing to overwrite it`);
  }
  await writeFile(file, JSON.stringify({ ...existing, ...entries }, null, 2) + '\n');
}
