// Reads capture records back — from a JSONL file, a capture directory (its *.jsonl files in name
// order, i.e. time order), or a Redis Stream — validating each line against the record schema.
// Bad lines never stop a read: they are counted and the first few are described (file:line: why).
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Redis } from 'ioredis';
import { anyRecordSchema, type CaptureRecord } from './record.js';
import { MAX_JSON_DEPTH, parseJson } from '../toolcalls/safe-json.js';

const RECORD_MAX_DEPTH = 2 * MAX_JSON_DEPTH;

export type RecordSource = { path: string } | { redis: Redis; stream: string };

export interface ReadResult {
  records: CaptureRecord[];
  /** Lines (or stream entries) skipped because they were not valid records. */
  malformed: number;
  /** Up to 10 descriptions of skipped lines. */
  problems: string[];
}

const check = TypeCompiler.Compile(anyRecordSchema);
const MAX_PROBLEMS = 10;

export async function readRecords(src: RecordSource): Promise<ReadResult> {
  const res: ReadResult = { records: [], malformed: 0, problems: [] };
  if ('path' in src) {
    for (const file of await listFiles(src.path)) await readFile(file, res);
  } else {
    await readStream(src.redis, src.stream, res);
  }
  return res;
}

async function listFiles(p: string): Promise<string[]> {
  const st = await stat(p).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read capture input ${p}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  });
  if (st.isFile()) return [p];
  const names = (await readdir(p)).filter((n) => n.endsWith('.jsonl')).sort();
  return names.map((n) => path.join(p, n));
}

function accept(text: string, where: string, res: ReadResult): void {
  let value: unknown;
  try {
    // Records hold request data (depth-limited at read) under a few levels of their own.
    value = parseJson(text, RECORD_MAX_DEPTH);
  } catch (err) {
    return reject(res, `${where}: not JSON (${(err as Error).message})`);
  }
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    const kind = (value as { kind?: unknown } | null)?.kind;
    return reject(res, `${where}: not a capture record${typeof kind === 'string' ? ` (kind ${kind})` : ''}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  res.records.push(value);
}

function reject(res: ReadResult, problem: string): void {
  res.malformed++;
  if (res.problems.length < MAX_PROBLEMS) res.problems.push(problem);
}

async function readFile(file: string, res: ReadResult): Promise<void> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    accept(line, `${file}:${n}`, res);
  }
}

async function readStream(redis: Redis, stream: string, res: ReadResult): Promise<void> {
  let start = '-';
  for (;;) {
    const entries = await redis.xrange(stream, start, '+', 'COUNT', 1000);
    for (const [id, fields] of entries) {
      const i = fields.indexOf('rec');
      if (i < 0 || i + 1 >= fields.length) reject(res, `${stream} ${id}: entry has no 'rec' field`);
      else accept(fields[i + 1] as string, `${stream} ${id}`, res);
    }
    if (entries.length < 1000) return;
    start = `(${(entries[entries.length - 1] as [string, string[]])[0]}`;
  }
}
