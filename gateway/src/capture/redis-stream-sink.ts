// Writes capture lines to a Redis Stream: `XADD <stream> MAXLEN ~ <maxLen> * id <record id> rec <json>`.
// Live batches go through one pipeline (MULTI-free: each XADD is independent). Spool replay goes
// through a Lua script that appends a chunk *and* records the chunk's end offset for that spool
// file atomically, so a replay interrupted by a crash or another outage resumes without adding
// any line twice (exactly once, in file order).
import type { Redis } from 'ioredis';

const REPLAY_SCRIPT = `
local done = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
local start = tonumber(ARGV[2])
local finish = tonumber(ARGV[3])
if done >= finish then return 0 end
local n = 0
for i = 5, #ARGV, 2 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'id', ARGV[i], 'rec', ARGV[i + 1])
  n = n + 1
end
redis.call('HSET', KEYS[2], ARGV[1], finish)
redis.call('EXPIRE', KEYS[2], 604800)
return n
`;

type ReplayCommand = (stream: string, progressKey: string, ...args: (string | number)[]) => Promise<number>;

export interface StreamLine {
  id: string;
  json: string;
}

export class RedisStreamSink {
  constructor(
    private readonly redis: Redis,
    readonly stream: string,
    private readonly maxLen: number,
  ) {
    if (!('toolgateCaptureReplay' in redis)) {
      redis.defineCommand('toolgateCaptureReplay', { numberOfKeys: 2, lua: REPLAY_SCRIPT });
    }
  }

  /** True when the client is connected; commands are not attempted otherwise (no offline queue). */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Appends a batch; rejects if any XADD failed (the caller spools the whole batch). */
  async add(lines: StreamLine[]): Promise<void> {
    if (lines.length === 0) return;
    const p = this.redis.pipeline();
    for (const l of lines) p.xadd(this.stream, 'MAXLEN', '~', this.maxLen, '*', 'id', l.id, 'rec', l.json);
    const results = await p.exec();
    if (!results) throw new Error('redis pipeline aborted');
    for (const [err] of results) if (err) throw err;
  }

  /**
   * Replays one spool chunk idempotently: `chunkKey` names the spool file, `[start, end)` the byte
   * range. Returns the number of entries added (0 when this range was already replayed).
   */
  async replay(chunkKey: string, start: number, end: number, lines: StreamLine[]): Promise<number> {
    const args: (string | number)[] = [chunkKey, start, end, this.maxLen];
    for (const l of lines) args.push(l.id, l.json);
    const cmd = (this.redis as unknown as { toolgateCaptureReplay: ReplayCommand }).toolgateCaptureReplay;
    return cmd.call(this.redis, this.stream, `${this.stream}:replayed`, ...args);
  }
}
