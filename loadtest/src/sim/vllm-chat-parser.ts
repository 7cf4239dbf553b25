// How vLLM 0.33's chat endpoint turns raw model output into the assistant message (whole) and
// the per-token deltas (stream), for a pod started with or without `--enable-auto-tool-choice
// --tool-call-parser hermes` and `--reasoning-parser qwen3`. Ported from, in order of the path:
//   vllm/parser/abstract_parser.py  DelegatingParser.parse / parse_delta / _extract_tool_calls
//   entrypoints/openai/chat_completion/stream_processor.py  ChatStreamProcessor.step
//   entrypoints/openai/chat_completion/message_assembly.py  assemble_chat_message_fields
//   entrypoints/serve/utils/tool_calls_utils.py  resolve_finish_reason, parallel-call filter
// loadtest/test/sim/vllm-fidelity.test.ts replays vLLM's own outputs against this module.
import { extractHermesToolCalls, HermesStreamParser, type DeltaToolCall } from './hermes-parser.js';
import { pyStrip } from './py-json.js';
import { countQwen3ReasoningTokens, extractQwen3Reasoning, Qwen3ReasoningEngine } from './qwen3-reasoning.js';

export type { DeltaToolCall } from './hermes-parser.js';

/** tool_choice as vLLM holds it: a string, a named function, or an explicit null. */
export type ToolChoice = 'auto' | 'none' | 'required' | null | { name: string };

export interface ParseConfig {
  /** The pod runs --enable-auto-tool-choice --tool-call-parser hermes. */
  toolParser: boolean;
  /** The pod runs --reasoning-parser qwen3. */
  reasoningParser: boolean;
  /** chat_template_kwargs.enable_thinking (default true): the prompt leaves <think> open. */
  thinking: boolean;
  toolChoice: ToolChoice;
  hasTools: boolean;
  /** parallel_tool_calls: false keeps only the first call. */
  parallelToolCalls: boolean;
  includeReasoning: boolean;
}

export interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** vLLM's ChatMessage as the API returns it (tool_calls omitted when empty). */
export interface ChatMessageOut {
  role: 'assistant';
  content: string | null;
  refusal: null;
  annotations: null;
  audio: null;
  function_call: null;
  tool_calls?: ToolCallOut[];
  reasoning: string | null;
}

/** A streamed DeltaMessage: only the fields vLLM set are present (it serialises exclude_unset). */
export interface ChatDelta {
  role?: 'assistant';
  content?: string | null;
  reasoning?: string | null;
  tool_calls?: DeltaToolCall[];
}

const isForced = (tc: ToolChoice) => tc === 'required' || (tc !== null && typeof tc === 'object');
const isNamed = (tc: ToolChoice) => tc !== null && typeof tc === 'object';

/** message_assembly.keeps_tool_calls: whether parsed calls reach the client. */
export function keepsToolCalls(cfg: ParseConfig): boolean {
  if (isForced(cfg.toolChoice)) return true;
  return cfg.toolParser && cfg.toolChoice === 'auto' && cfg.hasTools;
}

/** tool_calls_utils.resolve_finish_reason. */
export function resolveFinishReason(engine: 'stop' | 'length', cfg: ParseConfig, toolCallsMade: boolean): string {
  return toolCallsMade && engine === 'stop' && !isNamed(cfg.toolChoice) ? 'tool_calls' : engine;
}

/** Whether special tokens stay in the decoded text: the parsers' adjust_request turn skipping off. */
export function skipsSpecialTokens(cfg: ParseConfig, requested: boolean | undefined): boolean {
  if (cfg.reasoningParser) return false; // ParserEngine.adjust_request
  if (cfg.toolParser && cfg.hasTools && cfg.toolChoice !== 'none') return false; // Hermes2ProToolParser.adjust_request
  return requested ?? true;
}

/** usage.completion_tokens_details.reasoning_tokens (only reported with a reasoning parser). */
export function reasoningTokens(pieces: string[], cfg: ParseConfig): number {
  return cfg.reasoningParser ? countQwen3ReasoningTokens(pieces, cfg.thinking) : 0;
}

/** Chat completion, whole answer: Parser.parse then assemble_chat_message_fields. */
export function parseWhole(
  text: string,
  cfg: ParseConfig,
  finish: 'stop' | 'length',
  makeId: (i: number) => string,
): { message: ChatMessageOut; finishReason: string } {
  let reasoning: string | null = null;
  let content: string | null = text;
  if (cfg.reasoningParser) ({ reasoning, content } = extractQwen3Reasoning(text, cfg.thinking));
  let calls: Array<{ name: string; arguments: string }> = [];
  if (cfg.toolParser && cfg.toolChoice !== 'none') {
    const info = extractHermesToolCalls(content ?? '');
    if (info.toolsCalled) {
      calls = info.toolCalls;
      content = info.content !== null && pyStrip(info.content) === '' ? null : info.content;
    } else if (isForced(cfg.toolChoice) && (content === null || pyStrip(content) === '')) content = null;
  }
  if (!cfg.includeReasoning) reasoning = null;
  const keep = keepsToolCalls(cfg);
  if (!keep) calls = [];
  if (keep && isForced(cfg.toolChoice)) content = content || '';
  if (!cfg.parallelToolCalls) calls = calls.slice(0, 1);
  const message: ChatMessageOut = {
    role: 'assistant',
    content,
    refusal: null,
    annotations: null,
    audio: null,
    function_call: null,
    reasoning,
  };
  if (calls.length)
    message.tool_calls = calls.map((c, i) => ({
      id: makeId(i),
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  return { message, finishReason: resolveFinishReason(finish, cfg, calls.length > 0) };
}

/**
 * Chat completion, streamed: one step per engine step (one token; the stop token arrives as an
 * empty text with the finish reason). `step` returns the delta to send (null: no chunk unless
 * the step finishes) and, on the last step, the finish reason.
 */
export class ChatStreamParser {
  private readonly engine: Qwen3ReasoningEngine | null;
  private readonly hermes: HermesStreamParser | null;
  private reasoningEnded: boolean;
  private toolTextStarted = false;
  private previousText = '';
  private toolsStreamed = false;

  constructor(
    private readonly cfg: ParseConfig,
    makeId: (i: number) => string,
  ) {
    // Thinking off: the prompt already closes <think>, so reasoning has ended before the first token.
    this.engine = cfg.reasoningParser && cfg.thinking ? new Qwen3ReasoningEngine(true) : null;
    this.reasoningEnded = this.engine === null;
    this.hermes = cfg.toolParser && cfg.toolChoice !== 'none' ? new HermesStreamParser(makeId) : null;
  }

  step(deltaText: string, finish: 'stop' | 'length' | null): { delta: ChatDelta | null; finishReason: string | null } {
    let delta =
      this.cfg.toolParser || this.cfg.reasoningParser
        ? this.parseDelta(deltaText, finish !== null)
        : { content: deltaText };
    if (delta?.tool_calls?.length) {
      if (keepsToolCalls(this.cfg)) this.toolsStreamed = true;
      else {
        delete delta.tool_calls;
        if (!delta.content && !delta.reasoning) delta = null;
      }
    }
    if (delta?.tool_calls && !this.cfg.parallelToolCalls)
      delta.tool_calls = delta.tool_calls.filter((t) => t.index === 0);
    if (delta?.tool_calls?.length === 0) delete delta.tool_calls; // serialised without the empty list
    return { delta, finishReason: finish === null ? null : resolveFinishReason(finish, this.cfg, this.toolsStreamed) };
  }

  /** DelegatingParser.parse_delta. */
  private parseDelta(text: string, finished: boolean): ChatDelta | null {
    let deltaText = text;
    let currentText = this.previousText + deltaText;
    let msg: ChatDelta | null = null;
    let transitioned = false;
    if (this.engine && !this.reasoningEnded) {
      const ev = this.engine.feed(deltaText);
      msg =
        ev.reasoning || ev.content
          ? { ...(ev.content ? { content: ev.content } : {}), ...(ev.reasoning ? { reasoning: ev.reasoning } : {}) }
          : null;
      if (ev.ended) {
        this.reasoningEnded = true;
        transitioned = true;
        currentText = msg?.content ?? '';
        deltaText = currentText;
      }
    }
    const toolPhase = this.cfg.toolParser && this.reasoningEnded;
    if (toolPhase) {
      if (!this.toolTextStarted) {
        this.toolTextStarted = true;
        this.previousText = '';
        deltaText = currentText;
      }
      const reasoning = msg?.reasoning;
      msg = this.hermes ? this.hermes.step(currentText) : deltaText ? { content: deltaText } : null;
      if (reasoning) {
        if (!msg) msg = { reasoning };
        else if (!msg.reasoning) msg.reasoning = reasoning;
      }
    }
    if (!msg && !transitioned && this.reasoningEnded && !toolPhase) msg = { content: deltaText };
    this.previousText = currentText;
    if (finished) msg = this.finalize(msg);
    if (msg && !this.cfg.includeReasoning) {
      msg.reasoning = null;
      if (!msg.content && !msg.tool_calls?.length) msg = null;
    }
    return msg;
  }

  /** finalize_generation + _flush_engine_parsers at the last step. */
  private finalize(msg: ChatDelta | null): ChatDelta | null {
    const last = msg?.tool_calls?.at(-1);
    if (this.hermes && last) last.function.arguments = (last.function.arguments ?? '') + this.hermes.remainingArgs();
    if (this.engine && !this.reasoningEnded) {
      const ev = this.engine.finish();
      if (ev.reasoning || ev.content) {
        if (!msg)
          msg = {
            ...(ev.content ? { content: ev.content } : {}),
            ...(ev.reasoning ? { reasoning: ev.reasoning } : {}),
          };
        else {
          if (ev.content) msg.content = (msg.content ?? '') + ev.content;
          if (ev.reasoning) msg.reasoning = (msg.reasoning ?? '') + ev.reasoning;
        }
      }
    }
    return msg;
  }
}
