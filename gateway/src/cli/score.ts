// `toolgate score`: JSONL in ({id?, tools, raw, reference?} per line) → JSONL out (one score per
// line, same order). A bad line yields {"id", "line", "error": {…OpenAI error…}} instead of stopping the run.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseFlags } from './flags.js';
import { asGatewayError } from '../api/errors.js';
import { JsonDepthError, parseJson, parseScoreRequest, scoreOutput } from '../toolcalls/index.js';

const HELP = `usage: toolgate score [--in FILE] [--out FILE] [--reward-version 1|2]

Scores tool-call outputs. Each input line is a JSON object
  {"id"?: any, "tools": [...OpenAI tools...], "raw": "<assistant raw text>", "reference"?: [{"name", "arguments"}],
   "reward"?: {"version"?: 1|2, "schedule"?: {"step", "steps"}, "length"?: {"target"}}}
and each output line carries the strict read, schema and name checks, the gateway's repair verdict
and, when "reference" is given, the reward of docs/reward-spec.md ({version, format, correctness, schema, total}).

  --in FILE               read JSONL from FILE (default: stdin)
  --out FILE              write JSONL to FILE (default: stdout)
  --reward-version N      reward version for lines without "reward.version": 2 (default) or the superseded 1
  -h, --help              show this help

Exit code: 0 when every line scored, 1 when any line was rejected (its output line has "error"), 2 on bad flags.
A summary (lines, errors, mean total reward) goes to stderr.`;

function errorOf(err: unknown): { message: string; type: string; param: string | null; code: string | null } {
  const refusal = asGatewayError(err);
  if (refusal) return refusal.toBody().error;
  if (err instanceof JsonDepthError)
    return { message: `line ${err.message}`, type: 'invalid_request_error', param: null, code: 'json_too_deep' };
  return {
    message: err instanceof Error ? err.message : String(err),
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_json',
  };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags('score', HELP, {
    args: argv,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      'reward-version': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const versionFlag = values['reward-version'] ?? '2';
  if (versionFlag !== '1' && versionFlag !== '2') {
    process.stderr.write(`toolgate score: --reward-version must be 1 or 2, got '${versionFlag}'\n`);
    return 2;
  }
  const rewardVersion = versionFlag === '1' ? 1 : 2;
  const input = values.in ? createReadStream(values.in, 'utf8') : process.stdin;
  const output = values.out ? createWriteStream(values.out, 'utf8') : process.stdout;
  let lines = 0;
  let errors = 0;
  let rewardSum = 0;
  let rewarded = 0;
  const write = async (obj: unknown): Promise<void> => {
    if (!output.write(JSON.stringify(obj) + '\n')) await once(output, 'drain');
  };
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    lines++;
    let id: unknown = null;
    try {
      const body: unknown = parseJson(line);
      if (typeof body === 'object' && body !== null && 'id' in body) id = body.id;
      const result = scoreOutput(parseScoreRequest(body, { rewardVersion }));
      if (result.reward) {
        rewardSum += result.reward.total;
        rewarded++;
      }
      await write({ id, ...result });
    } catch (err) {
      errors++;
      await write({ id, line: lines, error: errorOf(err) });
    }
  }
  if (output !== process.stdout) {
    output.end();
    await once(output, 'finish');
  }
  const mean = rewarded > 0 ? rewardSum / rewarded : null;
  process.stderr.write(
    `toolgate score: ${lines} lines, ${errors} errors${mean === null ? '' : `, mean total reward ${mean.toFixed(4)}`}\n`,
  );
  return errors > 0 ? 1 : 0;
}
