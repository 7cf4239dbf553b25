// `toolgate sim`: run N simulated vLLM pods (loadtest/src/sim) until SIGINT/SIGTERM. Logs one JSON line per pod.
import {
  DEFAULT_MAX_MODEL_LEN,
  DEFAULT_MODEL,
  DEFAULT_PROFILE,
  startSim,
  type ProfileOverrides,
} from '../../../loadtest/src/sim/index.js';
import { createLogger } from '../telemetry/log.js';
import { parseFlags } from './flags.js';

const HELP = `usage: toolgate sim [flags]

Runs vLLM-compatible engine simulators (OpenAI API, /metrics, /health, /tokenize) on loopback.

  --port N                    first pod's port; pods use N, N+1, ... (default 8000; 0 = ephemeral)
  --pods N                    number of pods, each an independent engine (default 1)
  --host ADDR                 listen address (default 127.0.0.1)
  --model NAME                served model name (default ${DEFAULT_MODEL})
  --lora NAME                 extra served LoRA adapter name (repeatable; parent = --model)
  --max-model-len N           context length (default ${DEFAULT_MAX_MODEL_LEN})
  --profile NAME|FILE.json    engine profile: ${DEFAULT_PROFILE} (default), fixed, or a JSON file
  --ttft-ms MS, --itl-ms MS   fixed timing (implies the fixed profile)
  --max-num-seqs N            override the profile's max_num_seqs
  --max-num-batched-tokens N  override the profile's max_num_batched_tokens
  --parser hermes|none        hermes: as vLLM with --enable-auto-tool-choice --tool-call-parser hermes
                              (default); none: without them (tools need tool_choice "none", else 400)
  --reasoning-parser qwen3|none
                              qwen3 (default): thinking goes to \`reasoning\`, as vLLM --reasoning-parser qwen3
  --exclude-tools-when-tool-choice-none
                              as the vLLM flag: tool_choice "none" leaves the tools out of the prompt
  --faults NAME|FILE.json     fault preset: none (default), qwen3-0.6b-typical, or a JSON file
  --seed N                    seed for every deterministic choice (default 0)
  -h, --help                  this help
`;

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} expects a non-negative number, got '${v}'`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags('sim', HELP, {
    args: argv,
    options: {
      port: { type: 'string' },
      pods: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      lora: { type: 'string', multiple: true },
      'max-model-len': { type: 'string' },
      profile: { type: 'string' },
      'ttft-ms': { type: 'string' },
      'itl-ms': { type: 'string' },
      'max-num-seqs': { type: 'string' },
      'max-num-batched-tokens': { type: 'string' },
      parser: { type: 'string' },
      'reasoning-parser': { type: 'string' },
      'exclude-tools-when-tool-choice-none': { type: 'boolean' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const log = createLogger({ component: 'sim' });
  try {
    if (values.parser !== undefined && values.parser !== 'hermes' && values.parser !== 'none')
      throw new Error(`--parser must be hermes or none`);
    if (
      values['reasoning-parser'] !== undefined &&
      values['reasoning-parser'] !== 'qwen3' &&
      values['reasoning-parser'] !== 'none'
    )
      throw new Error(`--reasoning-parser must be qwen3 or none`);
    const ttftMs = num(values['ttft-ms'], '--ttft-ms');
    const itlMs = num(values['itl-ms'], '--itl-ms');
    const maxNumSeqs = num(values['max-num-seqs'], '--max-num-seqs');
    const maxNumBatchedTokens = num(values['max-num-batched-tokens'], '--max-num-batched-tokens');
    let profile: string | ProfileOverrides | undefined = values.profile;
    if (ttftMs !== undefined || itlMs !== undefined || maxNumSeqs !== undefined || maxNumBatchedTokens !== undefined) {
      const fixed = ttftMs !== undefined || itlMs !== undefined;
      profile = {
        base: values.profile ?? (fixed ? 'fixed' : DEFAULT_PROFILE),
        ...(ttftMs !== undefined ? { ttftMs } : {}),
        ...(itlMs !== undefined ? { itlMs } : {}),
        ...(maxNumSeqs !== undefined ? { maxNumSeqs } : {}),
        ...(maxNumBatchedTokens !== undefined ? { maxNumBatchedTokens } : {}),
      };
    }
    const sim = await startSim({
      host: values.host ?? '127.0.0.1',
      port: num(values.port, '--port') ?? 8000,
      pods: num(values.pods, '--pods') ?? 1,
      model: values.model ?? DEFAULT_MODEL,
      loraAdapters: values.lora ?? [],
      maxModelLen: num(values['max-model-len'], '--max-model-len') ?? DEFAULT_MAX_MODEL_LEN,
      profile,
      parser: values.parser ?? 'hermes',
      reasoningParser: values['reasoning-parser'] === 'none' ? null : 'qwen3',
      excludeToolsWhenToolChoiceNone: values['exclude-tools-when-tool-choice-none'] ?? false,
      faults: values.faults ?? 'none',
      seed: num(values.seed, '--seed') ?? 0,
    });
    // Always on stdout (whatever LOG_LEVEL says): scripts and tests read the URLs from here.
    for (const [i, p] of sim.pods.entries()) {
      process.stdout.write(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'info',
          msg: 'sim pod listening',
          pod: i,
          url: p.url,
          model: values.model ?? DEFAULT_MODEL,
        }) + '\n',
      );
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info('sim shutting down', { signal });
        resolve();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    await sim.close();
    return 0;
  } catch (err) {
    process.stderr.write(`toolgate sim: ${(err as Error).message}\n`);
    return 1;
  }
}
