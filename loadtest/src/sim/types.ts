// The simulator's public contract (used by the gateway's auto-start, load tests, eval, bench).
import type { FaultProfile } from './faults.js';
import type { ProfileOverrides } from './profiles.js';

export interface SimOptions {
  /** Listen address; default '127.0.0.1'. */
  host?: string;
  /** First pod's port; pods use port, port+1, ...; 0 (default) = an ephemeral port for every pod. */
  port?: number;
  /** Number of independent engines (own queue, prefix cache, /metrics); default 1. */
  pods?: number;
  /** Served model name; default 'Qwen/Qwen3-0.6B'. */
  model?: string;
  /** Extra served names (LoRA adapters); their /v1/models cards have `parent: model`. */
  loraAdapters?: string[];
  /** Default 40960 (Qwen3-0.6B). */
  maxModelLen?: number;
  /** Named profile ('qwen3-0.6b-h200' default, 'fixed'), a .json path, or overrides. */
  profile?: string | ProfileOverrides;
  /**
   * 'hermes' (default): the pod runs `--enable-auto-tool-choice --tool-call-parser hermes`.
   * 'none': neither flag, so requests with tools need tool_choice "none" (else 400, as vLLM).
   */
  parser?: 'hermes' | 'none';
  /** vLLM --reasoning-parser: 'qwen3' (default, as a Qwen3 deployment) puts thinking in `reasoning`; null: off. */
  reasoningParser?: 'qwen3' | null;
  /** vLLM --exclude-tools-when-tool-choice-none: tool_choice "none" leaves the tools out of the prompt. Default false. */
  excludeToolsWhenToolChoiceNone?: boolean;
  /** Named fault preset ('none' default, 'qwen3-0.6b-typical'), a .json path, or rates. */
  faults?: string | Partial<FaultProfile>;
  /** Default 0; every random choice derives from it. */
  seed?: number;
}

export interface SimStats {
  requests: number;
  completed: number;
  /** Requests whose client disconnected before the end. */
  aborted: number;
  running: number;
  waiting: number;
  promptTokens: number;
  generationTokens: number;
  prefixCacheQueries: number;
  prefixCacheHits: number;
}

export interface SimPod {
  url: string;
  port: number;
  stats(): SimStats;
  close(): Promise<void>;
}

export interface SimCluster {
  urls: string[];
  pods: SimPod[];
  close(): Promise<void>;
}
