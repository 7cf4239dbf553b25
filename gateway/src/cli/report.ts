// `toolgate report ab` — summarises captured shadow pairs: parse rate, schema hit rate, call
// agreement and paired latency deltas with 95 % confidence intervals, per model and variant pair.
import { writeFile } from 'node:fs/promises';
import type { ShadowPairRecord } from '../capture/record.js';
import { renderReport, type ReportFormat } from '../experiments/report/render.js';
import { summarizePairs } from '../experiments/report/summarize.js';
import { readInput, reportMalformed } from './export.js';
import { parseFlags } from './flags.js';

const HELP = `usage: toolgate report ab [flags]

Summarises captured shadow pairs (primary vs shadow variant).

  --in PATH       capture directory or JSONL file (default ./data/capture)
  --redis URL     read the Redis Stream instead of files
  --stream NAME   stream key with --redis (default toolgate:capture)
  --model NAME    only pairs for this public model
  --format F      table | markdown | json (default table)
  --out FILE      write the report to FILE instead of stdout
  -h, --help      this text
`;

const FORMATS: readonly ReportFormat[] = ['table', 'markdown', 'json'];

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'ab') {
    process.stderr.write(`toolgate report: unknown report '${sub}'\n\n${HELP}`);
    return 2;
  }
  const parsed = parseFlags('report ab', HELP, {
    args: rest,
    options: {
      in: { type: 'string' },
      redis: { type: 'string' },
      stream: { type: 'string' },
      model: { type: 'string' },
      format: { type: 'string', default: 'table' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!FORMATS.includes(values.format as ReportFormat)) {
    process.stderr.write(`toolgate report ab: --format must be one of ${FORMATS.join(', ')}\n`);
    return 2;
  }
  if (values.in && values.redis) {
    process.stderr.write('toolgate report ab: use either --in or --redis, not both\n');
    return 2;
  }
  let input;
  try {
    input = await readInput(values);
  } catch (err) {
    process.stderr.write(`toolgate report ab: ${(err as Error).message}\n`);
    return 1;
  }
  reportMalformed(input, (s) => process.stderr.write(s));
  const pairs = input.records.filter(
    (r): r is ShadowPairRecord => r.kind === 'shadow_pair' && (!values.model || r.model === values.model),
  );
  const text = renderReport(summarizePairs(pairs), values.format as ReportFormat);
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
  return 0;
}
