// `toolgate export --format llamafactory-sft|llamafactory-dpo|trl-grpo --out DIR` — turns captured
// tool calls into training sets. Input: capture JSONL files (--in, default ./data/capture) or a
// Redis Stream (--redis URL --stream NAME). Malformed input lines are skipped and counted.
import { Redis } from 'ioredis';
import { EXPORT_FORMATS, type ExportFormat } from '../capture/export/formats.js';
import { runExport } from '../capture/export/run-export.js';
import { readRecords, type ReadResult } from '../capture/read-records.js';
import { parseFlags } from './flags.js';

const HELP = `usage: toolgate export --format FORMAT --out DIR [flags]

Exports captured tool calls as training data.

  --format F      llamafactory-sft | llamafactory-dpo | trl-grpo (required)
  --out DIR       output directory (created; dataset_info.json there is merged, not replaced)
  --in PATH       capture directory or JSONL file (default ./data/capture)
  --redis URL     read the Redis Stream instead of files (e.g. redis://127.0.0.1:6379)
  --stream NAME   stream key with --redis (default toolgate:capture)
  --holdout F     share of conversations held out, 0..1 (default 0.1)
  --seed S        seed of the holdout draw (default 0)
  --name NAME     dataset name prefix (default toolgate)
  -h, --help      this text
`;

export async function readInput(values: { in?: string; redis?: string; stream?: string }): Promise<ReadResult> {
  if (values.redis) {
    const redis = new Redis(values.redis, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await readRecords({ redis, stream: values.stream ?? 'toolgate:capture' });
    } catch (err) {
      throw new Error(`cannot read stream from ${values.redis}: ${(err as Error).message}`);
    } finally {
      redis.disconnect();
    }
  }
  return readRecords({ path: values.in ?? './data/capture' });
}

export function reportMalformed(res: ReadResult, write: (s: string) => void): void {
  if (res.malformed === 0) return;
  write(`skipped ${res.malformed} malformed input line(s); first ${res.problems.length}:\n`);
  for (const p of res.problems) write(`  ${p}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags('export', HELP, {
    args: argv,
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      redis: { type: 'string' },
      stream: { type: 'string' },
      holdout: { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '0' },
      name: { type: 'string', default: 'toolgate' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const usage = (msg: string) => {
    process.stderr.write(`toolgate export: ${msg}\n\n${HELP}`);
    return 2;
  };
  if (!values.format || !(EXPORT_FORMATS as readonly string[]).includes(values.format)) {
    return usage(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (!values.out) return usage('--out DIR is required');
  const holdout = Number(values.holdout);
  if (!Number.isFinite(holdout) || holdout < 0 || holdout > 1) return usage('--holdout must be a number in [0, 1]');
  if (values.in && values.redis) return usage('use either --in or --redis, not both');
  if (!/^[A-Za-z0-9_.-]+$/.test(values.name)) return usage('--name may only contain letters, digits, _ . -');

  let input: ReadResult;
  try {
    input = await readInput(values);
  } catch (err) {
    process.stderr.write(`toolgate export: ${(err as Error).message}\n`);
    return 1;
  }
  reportMalformed(input, (s) => process.stderr.write(s));
  const summary = await runExport(input.records, {
    format: values.format as ExportFormat,
    outDir: values.out,
    holdout,
    seed: values.seed,
    name: values.name,
  });
  process.stdout.write(JSON.stringify({ ...summary, malformed: input.malformed }, null, 2) + '\n');
  return 0;
}
