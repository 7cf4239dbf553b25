// The local file buffer used while Redis is unreachable. Lines are appended to this process's own
// spool file; replay reads them back in order, in bounded chunks, and removes a file once it has
// been fully replayed. Spool files left behind by a dead process on this host (same host name, pid
// no longer alive) are adopted at start and replayed first, so a crash loses nothing acknowledged.
import { mkdir, open, readdir, stat, unlink, appendFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';

const safeHost = () => hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 63) || 'host';
// redis-spool-<host>-<pid>-<generation>.jsonl: the random generation makes every file name unique
// for ever, so replay progress recorded in Redis under a file name can never match a newer file.
const SPOOL_RE = /^redis-spool-(.+)-(\d+)-([a-f0-9]+)\.jsonl$/;

export interface SpoolChunk {
  file: string;
  lines: string[];
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
  private own: string;
  /** Files waiting for replay, oldest first; the own file is appended when it has data. */
  private queue: string[] = [];
  private offsets = new Map<string, number>();

  constructor(captureDir: string) {
    this.dir = path.join(captureDir, 'spool');
    this.own = this.newOwnFile();
  }

  get ownFile(): string {
    return this.own;
  }

  private newOwnFile(): string {
    return path.join(this.dir, `redis-spool-${safeHost()}-${process.pid}-${randomBytes(6).toString('hex')}.jsonl`);
  }

  /** Finds orphaned spool files of dead processes on this host; returns how many were adopted. */
  async adoptOrphans(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const host = safeHost();
    const found: { file: string; mtime: number }[] = [];
    for (const name of await readdir(this.dir)) {
      const m = SPOOL_RE.exec(name);
      if (!m || m[1] !== host) continue;
      const pid = Number(m[2]);
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
  async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.own, lines.join('\n') + '\n');
    if (!this.queue.includes(this.own)) this.queue.push(this.own);
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
          return { file, start, end: start + cut + 1, lines: splitLines(big.subarray(0, cut)) };
        }
        return { file, start, end: start + cut + 1, lines: splitLines(buf.subarray(0, cut)) };
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
    if (file === this.own) this.own = this.newOwnFile();
  }

  private forget(file: string): void {
    this.queue = this.queue.filter((f) => f !== file);
    this.offsets.delete(file);
  }
}

function splitLines(buf: Buffer): string[] {
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}
