// Public surface of the tool-call engine (pure, synchronous). See docs/toolcalls.md.
export type {
  AssistantOutput,
  CallError,
  CheckedCall,
  CheckOptions,
  OpenAIToolCall,
  Outcome,
  ToolCallReport,
  ToolChoice,
  ToolDef,
  ToolFunction,
} from './types.js';
export { REPAIR_KINDS, type RepairKind } from './repair-kinds.js';
export { checkToolCalls } from './check.js';
export {
  compileTools,
  compileToolsOffThread,
  isCompiledTools,
  type CompiledTool,
  type CompiledTools,
  type CompileOptions,
  type OffThreadOptions,
} from './compile-tools.js';
export { DEFAULT_SCHEMA_LIMITS, type SchemaLimits } from './schema-limits.js';
export { ValidatorCache, defaultValidatorCache, SchemaCompileError } from './validator-cache.js';
export { defaultCompilePool } from './compile-pool.js';
export { strictParse, jsonEqual, type StrictCall, type StrictParse } from './strict-parse.js';
export { scoreReward, type RewardBreakdown, type RewardInput } from './reward.js';
export { scoreOutput, parseScoreRequest, type ScoreInput, type ScoreResult } from './score.js';
export { toOpenAIToolCall, toOpenAIToolCalls, toolCallId, type OpenAIToolCallOut } from './openai-shape.js';
export { callText, rawModelText, toolCallBlock } from './model-text.js';
export { EngineBusyError, ToolInputError } from './errors.js';
export type { NameResolver } from './resolve-name.js';
// The engine's safe JSON and linear-time regex helpers, which the gateway reuses rather than copies.
export { jsonOnce } from './json-once.js';
export {
  JsonDepthError,
  MAX_JSON_DEPTH,
  canonicalJson,
  hasOwn,
  jsonTextDepth,
  nestsDeeperThan,
  parseJson,
  setOwn,
  withFields,
} from './safe-json.js';
export { isPlainObject } from './json-text.js';
export { LinearRegexError, compileLinear, replaceAllLinear } from './linear-regex.js';
export { ToolCallStreamSplitter, type SplitEvent, type SplitterOptions } from './stream-splitter.js';
export { repairHistory, type HistoryRepairResult } from './history-repair.js';
