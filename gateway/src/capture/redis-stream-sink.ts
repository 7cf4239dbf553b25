// Writes capture records to a Redis Stream: `XADD <stream> MAXLEN ~ <maxLen> * id <record id> rec <json>`.
// Every write goes through one Lua script that skips records whose per-writer sequence number is
// not above the last one stored for that writer (hash `<stream>:writers`, field = writer id). A
// batch whose reply was lost (timeout, paused server) and that is later replayed from the spool
// therefore lands exactly once, and a crashed process's spool can be replayed by its successor.
import type { Redis } from 'ioredis';

const WRITE_SCRIPT = `
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local top = last
local n = 0
for i = 3, #ARGV, 3 do
  local seq = tonumber(ARGV[i])
  if seq > top then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'id', ARGV[i + 1], 'rec', ARGV[i + 2])
    top = seq
    n = n + 1
  end
end
if top > last then redis.call('HSET', KEYS[2], ARGV[1], top) end
redis.call('EXPIRE', KEYS[2], 604800)
return n
`;

type WriteCommand = (stream: string, writersKey: string, ...args: (string | number)[]) => Promise<number>;

/** One serialised record: writer-scoped sequence number (strictly increasing), record id, JSON. */
export interface StreamLine {
  seq: number;
  id: string;
  json: string;
}

export class RedisStreamSink {
  constructor(
    private readonly redis: Redis,
    readonly stream: string,
    private readonly maxLen: number,
  ) {
    if (!('toolgateCaptureWrite' in redis)) {
      redis.defineCommand('toolgateCaptureWrite', { numberOfKeys: 2, lua: WRITE_SCRIPT });
    }
  }

  /** True when the client is connected; commands are not attempted otherwise (no offline queue). */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Appends lines (ascending seq) for `writer`; returns how many were new. Rejects on any failure. */
  async write(writer: string, lines: StreamLine[]): Promise<number> {
    if (lines.length === 0) return 0;
    const args: (string | number)[] = [writer, this.maxLen];
    for (const l of lines) args.push(l.seq, l.id, l.json);
    const cmd = (this.redis as unknown as { toolgateCaptureWrite: WriteCommand }).toolgateCaptureWrite;
    return cmd.call(this.redis, this.stream, `${this.stream}:writers`, ...args);
  }
}
