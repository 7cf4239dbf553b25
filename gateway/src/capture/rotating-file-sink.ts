// Appends JSON lines to `<dir>/capture-<utc stamp>-<host>-<pid>-<seq>.jsonl`, starting a new file
// before one would pass `maxFileBytes` or once it is `rotateMs` old. Host and pid in the name let
// several replicas share a directory without interleaving lines. A batch is one write(2): once
// `append` resolves the lines are in the kernel and survive a crash of this process.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface RotatingFileOptions {
  dir: string;
  maxFileBytes: number;
  rotateMs: number;
  prefix?: string;
  now?: () => number;
}

export interface LineSink {
  append(lines: string[]): Promise<void>;
  close(): Promise<void>;
}

const safeHost = () =>
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 63) || 'host';

export function fileStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

export class RotatingFileSink implements LineSink {
  private fh: FileHandle | null = null;
  private bytes = 0;
  private openedAt = 0;
  private seq = 0;
  private readonly now: () => number;
  readonly files: string[] = [];

  constructor(private readonly opts: RotatingFileOptions) {
    this.now = opts.now ?? Date.now;
  }

  async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    // Split the batch where it would overflow the current file; a single oversized line still
    // gets a file of its own rather than being refused.
    await this.ensureFile(); // also rotates by age, once per batch
    let chunk: string[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const n = Buffer.byteLength(line) + 1;
      if (this.bytes + chunkBytes + n > this.opts.maxFileBytes && this.bytes + chunkBytes > 0) {
        await this.write(chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
        await this.rotate();
      }
      chunk.push(line);
      chunkBytes += n;
    }
    await this.write(chunk, chunkBytes);
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }

  private async write(chunk: string[], n: number): Promise<void> {
    if (chunk.length === 0 || !this.fh) return;
    await this.fh.write(chunk.join('\n') + '\n');
    this.bytes += n;
  }

  private async ensureFile(): Promise<void> {
    if (this.fh && this.now() - this.openedAt >= this.opts.rotateMs) await this.rotate();
    if (this.fh) return;
    await mkdir(this.opts.dir, { recursive: true });
    const t = this.now();
    const name = `${this.opts.prefix ?? 'capture'}-${fileStamp(t)}-${safeHost()}-${process.pid}-${String(this.seq++).padStart(4, '0')}.jsonl`;
    const file = path.join(this.opts.dir, name);
    this.fh = await open(file, 'a');
    this.bytes = (await this.fh.stat()).size;
    this.openedAt = t;
    this.files.push(file);
  }

  private async rotate(): Promise<void> {
    await this.close();
    await this.ensureFile();
  }
}
