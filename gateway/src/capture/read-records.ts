// Reads capture records back — from a JSONL file, a capture directory (its *.jsonl files in name
// order, i.e. time order), or a Redis Stream — validating each line against the record schema.
// Bad lines never stop a read: they are counted and the first few are described (file:line: why).
// A line longer than MAX_RECORD_BYTES is skipped without being held in memory whole.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Redis } from 'ioredis';
import { anyRecordSchema, type CaptureRecord } from './record.js';
import { MAX_JSON_DEPTH, parseJson } from '../toolcalls/index.js';

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
/** Longest record line read (64 MiB: far above any request the gateway admits, below V8's string limit). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

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
  const st = await stat(p).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot read capture input ${p}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
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
    reject(res, `${where}: not JSON (${(err as Error).message})`);
    return;
  }
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    const kind = (value as { kind?: unknown } | null)?.kind;
    reject(
      res,
      `${where}: not a capture record${typeof kind === 'string' ? ` (kind ${kind})` : ''}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`,
    );
    return;
  }
  res.records.push(value);
}

function reject(res: ReadResult, problem: string): void {
  res.malformed++;
  if (res.problems.length < MAX_PROBLEMS) res.problems.push(problem);
}

async function readFile(file: string, res: ReadResult): Promise<void> {
  for await (const line of boundedLines(file, MAX_RECORD_BYTES)) {
    const where = `${file}:${line.n}`;
    if (line.text === null) {
      reject(res, `${where}: line longer than ${MAX_RECORD_BYTES} bytes (${line.bytes} bytes), skipped`);
      continue;
    }
    if (line.text.trim() === '') continue;
    accept(line.text, where, res);
  }
}

/** The file's lines (LF or CRLF), each decoded once it is whole; `text` null for one over `maxBytes`. */
async function* boundedLines(
  file: string,
  maxBytes: number,
): AsyncGenerator<{ n: number; text: string | null; bytes: number }> {
  let parts: Buffer[] = [];
  let size = 0;
  let n = 0;
  const finish = (): { n: number; text: string | null; bytes: number } => {
    n++;
    const over = size > maxBytes;
    let text: string | null = null;
    if (!over) {
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      text = buf.toString('utf8', 0, buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length);
    }
    const line = { n, text, bytes: size };
    parts = [];
    size = 0;
    return line;
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (size <= maxBytes) parts.push(chunk.subarray(start, nl));
      size += nl - start;
      yield finish();
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Past the limit the bytes are only counted, never kept.
      if (size <= maxBytes) parts.push(chunk.subarray(start));
      size += chunk.length - start;
      if (size > maxBytes) parts = [];
    }
  }
  if (size > 0) yield finish();
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
