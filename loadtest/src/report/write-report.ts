// Writes the report files into the output directory: results.json (everything, machine
// readable), results.csv (one row per cell), summary.md and report.html. Writes go through a
// temporary file and a rename so an interrupted run never leaves half a JSON file.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResults } from '../runner/types.js';
import { toCsv } from './csv.js';
import { renderHtml } from './html.js';
import { recommend, type Recommendation } from './recommend.js';
import { renderSummaryMarkdown } from './summary-md.js';

export const REPORT_FILES = ['results.json', 'results.csv', 'summary.md', 'report.html'] as const;

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** JSON with Infinity spelled "inf" (as vLLM prints request_rate) since JSON has no Infinity. */
export function resultsToJson(results: RunResults, rec: Recommendation): string {
  return (
    JSON.stringify({ ...results, recommendation: rec }, (_k, v: unknown) => (v === Infinity ? 'inf' : v), 2) + '\n'
  );
}

export async function writeReport(outDir: string, results: RunResults): Promise<Recommendation> {
  await mkdir(outDir, { recursive: true });
  const rec = recommend(results);
  await writeAtomic(path.join(outDir, 'results.json'), resultsToJson(results, rec));
  await writeAtomic(path.join(outDir, 'results.csv'), toCsv(results));
  await writeAtomic(path.join(outDir, 'summary.md'), renderSummaryMarkdown(results, rec));
  await writeAtomic(path.join(outDir, 'report.html'), renderHtml(results, rec));
  return rec;
}
