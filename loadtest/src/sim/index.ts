// Public entry point of the vLLM-compatible engine simulator: startSim() brings up N pods on
// loopback ports, each an independent engine. See docs/simulator.md.
import { readFileSync } from 'node:fs';
import { resolveFaultProfile, type FaultProfile } from './faults.js';
import { startPod } from './pod-server.js';
import { resolveProfile } from './profiles.js';
import type { SimCluster, SimOptions, SimPod } from './types.js';

export type { SimCluster, SimOptions, SimPod, SimStats } from './types.js';
export type { EngineProfile, BatchingProfile, FixedProfile, ProfileOverrides } from './profiles.js';
export { resolveProfile, NAMED_PROFILES, DEFAULT_PROFILE } from './profiles.js';
export type { FaultKind, FaultProfile, OutputFault, TransportFault, PlannedOutput } from './faults.js';
export {
  ALL_FAULTS,
  FAULT_PRESETS,
  TOOL_CALL_FAULTS,
  TEXT_FAULTS,
  TRANSPORT_FAULTS,
  applyOutputFault,
  chooseFault,
  planOutput,
  resolveFaultProfile,
} from './faults.js';
export type { GeneratedOutput, GenerationRequest, OutputKind } from './output-generator.js';
export { generateAssistantOutput, requestContentHash } from './output-generator.js';
export { extractHermesToolCalls, type HermesExtraction, type ParsedToolCall } from './hermes-parser.js';
export { renderChatPrompt } from './chat-template.js';
export { tokenize, countTokens } from './tokenizer.js';

export const DEFAULT_MODEL = 'Qwen/Qwen3-0.6B';
export const DEFAULT_MAX_MODEL_LEN = 40960;

function loadFaults(spec: SimOptions['faults']): FaultProfile {
  if (typeof spec === 'string' && spec.endsWith('.json'))
    return resolveFaultProfile(JSON.parse(readFileSync(spec, 'utf8')) as Partial<FaultProfile>);
  return resolveFaultProfile(spec);
}

export async function startSim(opts: SimOptions = {}): Promise<SimCluster> {
  const host = opts.host ?? '127.0.0.1';
  const podCount = opts.pods ?? 1;
  if (!Number.isInteger(podCount) || podCount < 1) throw new Error(`pods must be a positive integer, got ${podCount}`);
  const basePort = opts.port ?? 0;
  const maxModelLen = opts.maxModelLen ?? DEFAULT_MAX_MODEL_LEN;
  if (!Number.isInteger(maxModelLen) || maxModelLen < 2)
    throw new Error(`maxModelLen must be an integer >= 2, got ${maxModelLen}`);
  const profile = resolveProfile(opts.profile);
  if (profile.kind === 'engine' && profile.numGpuBlocks * profile.blockSize < maxModelLen) {
    // vLLM refuses to start when one max-length sequence cannot fit in the KV cache.
    throw new Error(
      `KV cache (${profile.numGpuBlocks} blocks x ${profile.blockSize} tokens) cannot hold one sequence of max_model_len ${maxModelLen}`,
    );
  }
  const behaviour = {
    seed: opts.seed ?? 0,
    maxModelLen,
    parser: opts.parser ?? 'hermes',
    reasoningParser: opts.reasoningParser === undefined ? 'qwen3' : opts.reasoningParser,
    excludeToolsWhenToolChoiceNone: opts.excludeToolsWhenToolChoiceNone ?? false,
    faults: loadFaults(opts.faults),
  } as const;
  const pods: SimPod[] = [];
  try {
    for (let i = 0; i < podCount; i++) {
      pods.push(
        await startPod({
          host,
          port: basePort === 0 ? 0 : basePort + i,
          index: i,
          model: opts.model ?? DEFAULT_MODEL,
          loraAdapters: opts.loraAdapters ?? [],
          profile,
          behaviour: { ...behaviour },
        }),
      );
    }
  } catch (err) {
    await Promise.all(pods.map((p) => p.close()));
    throw err;
  }
  return {
    urls: pods.map((p) => p.url),
    pods,
    close: async () => {
      await Promise.all(pods.map((p) => p.close()));
    },
  };
}
