// The local file buffer used while Redis is unreachable. Lines (`<seq> <record json>`) are appended
// to this writer's spool file; replay reads them back in order, in bounded chunks, and removes a
// file once it has been fully replayed. Spool files left behind by a dead process on this host
// (same host name, pid no longer alive) are adopted at start and replayed first, under their own
// writer id, so a crash loses nothing acknowledged and the stream's sequence check drops repeats.
import { mkdir, open, readdir, stat, unlink, appendFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';

const safeHost = () =>
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 63) || 'host';
// redis-spool-<writer>.jsonl with writer = <host>-<pid>-<random>: unique per pipeline instance.
const SPOOL_RE = /^redis-spool-((.+)-(\d+)-([a-f0-9]+))\.jsonl$/;

export interface SpoolLine {
  seq: number;
  id: string;
  json: string;
}

export interface SpoolChunk {
  file: string;
  /** Writer id the lines were written under (from the file name). */
  writer: string;
  lines: SpoolLine[];
  /** Lines that could not be read back (torn or corrupt), skipped. */
  bad: number;
  /** Byte offset just past the last returned line. */
  end: number;
  start: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Spool {
  readonly dir: string;
  readonly writer: string;
  readonly ownFile: string;
  /** Files waiting for replay, oldest first; the own file is appended when it has data. */
  private queue: string[] = [];
  private offsets = new Map<string, number>();

  constructor(captureDir: string) {
    this.dir = path.join(captureDir, 'spool');
    this.writer = `${safeHost()}-${process.pid}-${randomBytes(6).toString('hex')}`;
    this.ownFile = path.join(this.dir, `redis-spool-${this.writer}.jsonl`);
  }

  /** Finds orphaned spool files of dead processes on this host; returns how many were adopted. */
  async adoptOrphans(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const host = safeHost();
    const found: { file: string; mtime: number }[] = [];
    for (const name of await readdir(this.dir)) {
      const m = SPOOL_RE.exec(name);
      if (!m || m[2] !== host) continue;
      const pid = Number(m[3]);
      if (pid === process.pid || pidAlive(pid)) continue;
      const file = path.join(this.dir, name);
      const st = await stat(file).catch(() => null);
      if (st && st.size > 0) found.push({ file, mtime: st.mtimeMs });
      else if (st) await unlink(file).catch(() => undefined);
    }
    found.sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file));
    const fresh = found.map((f) => f.file).filter((f) => !this.queue.includes(f));
    this.queue.unshift(...fresh);
    return fresh.length;
  }

  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Appends lines to this process's spool (one write); resolves once they are in the file. */
  async append(lines: SpoolLine[]): Promise<void> {
    if (lines.length === 0) return;
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.ownFile, lines.map((l) => `${l.seq} ${l.json}`).join('\n') + '\n');
    if (!this.queue.includes(this.ownFile)) this.queue.push(this.ownFile);
  }

  /** Next lines to replay (≤ maxBytes, whole lines), or null when nothing is pending. */
  async next(maxBytes = 1 << 20): Promise<SpoolChunk | null> {
    while (this.queue.length > 0) {
      const file = this.queue[0] as string;
      const start = this.offsets.get(file) ?? 0;
      const fh = await open(file, 'r').catch(() => null);
      if (!fh) {
        this.forget(file);
        continue;
      }
      try {
        const buf = Buffer.alloc(maxBytes);
        const { bytesRead } = await fh.read(buf, 0, maxBytes, start);
        if (bytesRead === 0) {
          await this.finish(file);
          continue;
        }
        let cut = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (cut < 0) {
          // A line longer than maxBytes: read the whole remainder rather than stall.
          const rest = (await fh.stat()).size - start;
          const big = Buffer.alloc(rest);
          await fh.read(big, 0, rest, start);
          cut = big.lastIndexOf(0x0a);
          if (cut < 0) {
            await this.finish(file); // a torn last line without newline: the write never completed
            continue;
          }
          return chunkOf(file, start, start + cut + 1, big.subarray(0, cut));
        }
        return chunkOf(file, start, start + cut + 1, buf.subarray(0, cut));
      } finally {
        await fh.close();
      }
    }
    return null;
  }

  /** Marks a chunk as replayed. */
  commit(chunk: SpoolChunk): void {
    this.offsets.set(chunk.file, chunk.end);
  }

  private async finish(file: string): Promise<void> {
    await unlink(file).catch(() => undefined);
    this.forget(file);
  }

  private forget(file: string): void {
    this.queue = this.queue.filter((f) => f !== file);
    this.offsets.delete(file);
  }
}

function chunkOf(file: string, start: number, end: number, buf: Buffer): SpoolChunk {
  const writer = SPOOL_RE.exec(path.basename(file))?.[1] ?? path.basename(file);
  const lines: SpoolLine[] = [];
  let bad = 0;
  for (const raw of buf.toString('utf8').split('\n')) {
    if (raw.length === 0) continue;
    const line = parseSpoolLine(raw);
    if (line) lines.push(line);
    else bad++;
  }
  return { file, writer, start, end, lines, bad };
}

function parseSpoolLine(raw: string): SpoolLine | null {
  const sp = raw.indexOf(' ');
  const seq = Number(raw.slice(0, sp));
  if (sp <= 0 || !Number.isSafeInteger(seq)) return null;
  const json = raw.slice(sp + 1);
  try {
    const v = JSON.parse(json) as { id?: unknown };
    return typeof v.id === 'string' && v.id.length > 0 ? { seq, id: v.id, json } : null;
  } catch {
    return null;
  }
}
