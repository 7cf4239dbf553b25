// Engine profiles: the timing and capacity model of one simulated vLLM pod. Named profiles live
// in profiles/*.json; callers may pass overrides (a Partial) or a JSON file path (CLI).
import { readFileSync } from 'node:fs';
import qwenH200 from './profiles/qwen3-0.6b-h200.json' with { type: 'json' };
import fixedJson from './profiles/fixed.json' with { type: 'json' };

/** Continuous-batching engine calibrated from measurements (default). */
export interface BatchingProfile {
  kind: 'engine';
  name: string;
  source?: string;
  /** Fixed cost of one engine step (ms). */
  decodeBaseMs: number;
  /** Extra step cost per decoding sequence in the batch (ms). */
  decodePerSeqMs: number;
  /** Extra step cost per KV token (context) of the decoding sequences (ms). */
  decodePerKvTokenMs: number;
  /** Prefill throughput: prompt tokens computed per second within a step. */
  prefillTokensPerSecond: number;
  /** Extra fixed cost of a step that contains prefill work (ms). */
  prefillBaseMs: number;
  /** vLLM --max-num-seqs: sequences running at once. */
  maxNumSeqs: number;
  /** vLLM --max-num-batched-tokens: token budget per step (decode + prefill chunks). */
  maxNumBatchedTokens: number;
  /** KV-cache capacity in blocks. */
  numGpuBlocks: number;
  /** Tokens per KV block (vLLM default 16); also the prefix-cache granularity. */
  blockSize: number;
}

/** Fixed latencies, no batching effects: for load-tester tests. */
export interface FixedProfile {
  kind: 'fixed';
  name: string;
  source?: string;
  ttftMs: number;
  itlMs: number;
  /** Prefix-cache bookkeeping still runs (counters), with this block size. */
  blockSize?: number;
}

export type EngineProfile = BatchingProfile | FixedProfile;

/** Overrides: any field of either kind; `kind: 'fixed'` (or ttftMs/itlMs alone) selects the fixed model. */
export type ProfileOverrides = Partial<Omit<BatchingProfile, 'kind'>> &
  Partial<Omit<FixedProfile, 'kind'>> & { kind?: 'engine' | 'fixed'; base?: string };

export const DEFAULT_PROFILE = 'qwen3-0.6b-h200';
export const NAMED_PROFILES: Record<string, EngineProfile> = {
  'qwen3-0.6b-h200': qwenH200 as BatchingProfile,
  fixed: fixedJson as FixedProfile,
};

const POSITIVE_FIELDS = [
  'decodeBaseMs',
  'prefillTokensPerSecond',
  'maxNumSeqs',
  'maxNumBatchedTokens',
  'numGpuBlocks',
  'blockSize',
] as const;
const NON_NEGATIVE_FIELDS = ['decodePerSeqMs', 'decodePerKvTokenMs', 'prefillBaseMs', 'ttftMs', 'itlMs'] as const;

function validate(p: EngineProfile): EngineProfile {
  const rec = p as unknown as Record<string, unknown>;
  for (const f of POSITIVE_FIELDS) {
    if (f in rec && !(typeof rec[f] === 'number' && rec[f] > 0))
      throw new Error(`profile ${p.name}: ${f} must be a positive number`);
  }
  for (const f of NON_NEGATIVE_FIELDS) {
    if (f in rec && !(typeof rec[f] === 'number' && rec[f] >= 0))
      throw new Error(`profile ${p.name}: ${f} must be a number >= 0`);
  }
  return p;
}

/** Named profile, JSON file path, or overrides (merged onto `base`, the fixed profile, or the default). */
export function resolveProfile(spec: string | ProfileOverrides | undefined): EngineProfile {
  if (spec === undefined) return NAMED_PROFILES[DEFAULT_PROFILE]!;
  if (typeof spec === 'string') {
    const named = NAMED_PROFILES[spec];
    if (named) return named;
    if (spec.endsWith('.json')) return resolveProfile(JSON.parse(readFileSync(spec, 'utf8')) as ProfileOverrides);
    throw new Error(`unknown profile '${spec}' (known: ${Object.keys(NAMED_PROFILES).join(', ')}, or a .json file)`);
  }
  const wantsFixed =
    spec.kind === 'fixed' ||
    (spec.kind === undefined && spec.base === undefined && (spec.ttftMs !== undefined || spec.itlMs !== undefined));
  const baseName = spec.base ?? (wantsFixed ? 'fixed' : DEFAULT_PROFILE);
  const base = NAMED_PROFILES[baseName];
  if (!base) throw new Error(`unknown base profile '${baseName}'`);
  const { base: _ignored, ...rest } = spec;
  const merged = { ...base, ...rest, kind: base.kind, name: spec.name ?? `${base.name}+overrides` } as EngineProfile;
  return validate(merged);
}
