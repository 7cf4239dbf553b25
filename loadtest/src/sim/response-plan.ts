// Turns a validated request into everything the pod needs to answer it: prompt tokens, the
// output token pieces (after faults, max_tokens, min_tokens, ignore_eos), whether the stop
// token ends it, and how vLLM's parsers treat it. Pure: no I/O, no clock.
import { renderChatPrompt } from './chat-template.js';
import { skipsSpecialTokens, type ParseConfig, type ToolChoice } from './vllm-chat-parser.js';
import { isTransportFault, planOutput, type FaultKind, type FaultProfile, type TransportFault } from './faults.js';
import { hashParts, seededRandom } from './hash.js';
import { lastUserText, plainAnswer, type GenerationRequest, type OutputKind } from './output-generator.js';
import { guidedText } from './guided-json.js';
import { contextFromText } from './schema-args.js';
import type { ParsedRequest } from './request-parse.js';
import { QWEN3_ADDED_TOKENS, tokenize, tokenPieces } from './tokenizer.js';
import { badRequest } from './vllm-errors.js';

export interface PodBehaviour {
  seed: number;
  maxModelLen: number;
  /** 'hermes': the pod runs --enable-auto-tool-choice --tool-call-parser hermes; 'none': neither. */
  parser: 'hermes' | 'none';
  /** --reasoning-parser qwen3 (a Qwen3 deployment's default here); null: none. */
  reasoningParser?: 'qwen3' | null;
  /** --exclude-tools-when-tool-choice-none: tool_choice "none" leaves the tools out of the prompt. */
  excludeToolsWhenToolChoiceNone?: boolean;
  faults: FaultProfile;
}

export interface ResponsePlan {
  promptIds: number[];
  /** Output tokens as text pieces; their concatenation is the raw model output. */
  pieces: string[];
  /** Decoded text of each piece (a special token is '' when skip_special_tokens is on). */
  texts: string[];
  /** The model ended with the stop token (<|im_end|>): one more engine step, no text. */
  eos: boolean;
  finishReason: 'stop' | 'length';
  kind: OutputKind;
  /** How vLLM's parsers treat this chat answer (null for /v1/completions: no parsing). */
  parse: ParseConfig | null;
  fault: FaultKind | null;
  transport?: TransportFault;
  stallMs: number;
  timing?: { ttftMs: number; itlMs: number };
}

const FILLER = [' the', ' and', ' of', ' to', ' a', ' in', ' is', ' it', ' we', ' on'];

const SPECIAL = new Set(QWEN3_ADDED_TOKENS.filter((t) => t.special).map((t) => t.content));

/** tool_choice as vLLM resolves it: absent means "auto" with tools and "none" without. */
function effectiveToolChoice(req: ParsedRequest): ToolChoice {
  const tc = req.toolChoice;
  if (tc === undefined) return req.tools?.length ? 'auto' : 'none';
  if (tc === null || tc === 'auto' || tc === 'none' || tc === 'required') return tc;
  return { name: (tc as { function: { name: string } }).function.name };
}

/**
 * renderers/online_renderer.py render_chat: a request that needs a tool parser the pod was not
 * started with is refused before anything is generated.
 */
function checkToolParsing(tc: ToolChoice, pod: PodBehaviour): void {
  if (pod.parser !== 'none' || tc === null || tc === 'none') return;
  if (tc === 'auto')
    throw badRequest('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
  const desc = typeof tc === 'object' ? `function "${tc.name}"` : `"${tc}"`;
  throw badRequest(`tool_choice=${desc} requires --tool-call-parser to be set`);
}

export function promptTokenIds(
  req: ParsedRequest,
  pod?: Pick<PodBehaviour, 'excludeToolsWhenToolChoiceNone'>,
): number[] {
  if (req.promptIds) return req.promptIds;
  if (req.prompt !== undefined) return tokenize(req.prompt);
  // The tools are in the prompt even under tool_choice "none", unless the pod excludes them.
  const tools = req.toolChoice === 'none' && pod?.excludeToolsWhenToolChoiceNone ? undefined : req.tools;
  return tokenize(renderChatPrompt(req.messages ?? [], tools, { enableThinking: req.enableThinking }));
}

function generationRequest(req: ParsedRequest): GenerationRequest {
  if (req.api === 'completions') return { prompt: req.prompt ?? req.promptIds?.join(' ') ?? '' };
  return { messages: req.messages, tools: req.tools, tool_choice: req.toolChoice };
}

/**
 * A thinking Qwen3 opens its answer with a short reasoning block (chat_template_kwargs
 * enable_thinking, on by default); answers that already carry one (think faults) keep theirs.
 * A grammar (guided JSON, a forced tool choice's structural tag) starts right after </think> and
 * admits no leading whitespace, so a constrained answer follows it directly — on a pod with a
 * reasoning parser. Without one, reasoning counts as ended from the first token (vLLM 0.33
 * protocol.py `resolve_reasoning_ended`), so the grammar binds at once and there is no <think>.
 */
function withThinking(text: string, kind: OutputKind, toolName: string | undefined, constrained: boolean): string {
  if (text.startsWith('<think>')) return text;
  const thought =
    kind === 'tool_call' && toolName ? `The request needs the ${toolName} tool.` : 'I can answer this directly.';
  return `<think>\n${thought}\n</think>${constrained ? '' : '\n\n'}${text}`;
}

export function planResponse(req: ParsedRequest, pod: PodBehaviour): ResponsePlan {
  const chat = req.api === 'chat';
  const script = req.script;
  const requested = effectiveToolChoice(req);
  if (chat && script?.parser === undefined) checkToolParsing(requested, pod);
  const promptIds = promptTokenIds(req, pod);
  const promptLen = promptIds.length;
  if (promptLen >= pod.maxModelLen) {
    throw badRequest(
      `This model's maximum context length is ${pod.maxModelLen} tokens. However, your request has ${promptLen} input tokens. Please reduce the length of the input messages.`,
    );
  }
  if (req.maxTokens !== undefined && req.maxTokens > pod.maxModelLen - promptLen) {
    throw badRequest(
      `'max_tokens' or 'max_completion_tokens' is too large: ${req.maxTokens}. This model's maximum context length is ${pod.maxModelLen} tokens and your request has ${promptLen} input tokens (${req.maxTokens} > ${pod.maxModelLen} - ${promptLen}).`,
      'max_tokens',
    );
  }
  const maxTokens = req.maxTokens ?? pod.maxModelLen - promptLen;
  const genReq = generationRequest(req);
  const thinking = chat && req.enableThinking !== false;
  const forced = requested === 'required' || (requested !== null && typeof requested === 'object');

  // What the model "says": scripted text, or the generator's answer with any profile fault applied.
  let text: string;
  let kind: OutputKind;
  let fault: FaultKind | null = null;
  let finishReason: 'stop' | 'length' = 'stop';
  if (req.structuredJson && !(chat && forced)) {
    // Guided decoding: whatever the model would have said, the answer conforms to the schema
    // (a scripted raw text is kept only when it conforms; an output fault cannot break the
    // constraint). A forced tool choice overrides it (parser/abstract_parser.py
    // _apply_structural_tag), and the grammar only starts once reasoning has ended.
    text = guidedText(req.structuredJson, script?.raw, contextFromText(lastUserText(genReq.messages)));
    kind = 'text';
    if (thinking && pod.reasoningParser === 'qwen3') text = withThinking(text, kind, undefined, true);
  } else if (script?.raw !== undefined) {
    text = script.raw;
    kind = 'tool_call';
  } else if (req.api === 'completions') {
    text = plainAnswer(pod.seed, hashParts(req.prompt ?? '', (req.promptIds ?? []).join(',')));
    kind = 'text';
    const planned = planOutput(genReq, pod.seed, pod.faults);
    fault = isTransportFault(planned.fault) ? planned.fault : null;
  } else {
    const planned = planOutput(genReq, pod.seed, pod.faults);
    const constrained = planned.output.constrained === true;
    text =
      thinking && (!constrained || pod.reasoningParser === 'qwen3')
        ? withThinking(planned.text, planned.output.kind, planned.output.toolName, constrained)
        : planned.text;
    kind = planned.output.kind;
    fault = planned.fault;
    if (planned.finishReason) finishReason = planned.finishReason;
  }

  let pieces = tokenPieces(text);
  const rnd = seededRandom(hashParts(pod.seed, text, 'filler'));
  const pad = (n: number) => {
    while (pieces.length < n) pieces.push(FILLER[Math.floor(rnd() * FILLER.length)]!);
  };
  if (req.ignoreEos) {
    pad(maxTokens);
    finishReason = 'length';
  } else if (pieces.length < req.minTokens) pad(req.minTokens);
  // The stop token is a generated token too: it fits only below max_tokens.
  if (pieces.length >= maxTokens) {
    pieces = pieces.slice(0, maxTokens);
    finishReason = 'length';
  }
  const eos = finishReason === 'stop';
  if (pieces.length === 0 && !eos) pieces = [''];

  // sim_script.parser is a per-request test hook: 'hermes' parses as tool_choice auto would even on
  // a pod without a tool parser, 'none' answers as tool_choice "none" does (raw text in content).
  const toolChoice: ToolChoice =
    script?.parser === 'none'
      ? 'none'
      : script?.parser === 'hermes' && (requested === 'none' || requested === null)
        ? 'auto'
        : requested;
  const parse: ParseConfig | null = chat
    ? {
        toolParser: script?.parser === 'hermes' || pod.parser === 'hermes',
        reasoningParser: pod.reasoningParser === 'qwen3',
        thinking,
        toolChoice,
        hasTools: (req.tools?.length ?? 0) > 0 || script?.parser === 'hermes',
        parallelToolCalls: req.parallelToolCalls,
        includeReasoning: req.includeReasoning,
      }
    : null;
  const skip = parse ? skipsSpecialTokens(parse, req.skipSpecialTokens) : (req.skipSpecialTokens ?? true);
  const texts = pieces.map((p) => (skip && SPECIAL.has(p) ? '' : p));

  const transport = script?.fault ?? (isTransportFault(fault) ? fault : undefined);
  const stallMs = script?.stall_ms ?? (transport === 'stall' ? pod.faults.stallMs : 0);
  const timing =
    script?.ttft_ms !== undefined || script?.itl_ms !== undefined
      ? { ttftMs: script.ttft_ms ?? 0, itlMs: script.itl_ms ?? 0 }
      : undefined;
  return {
    promptIds,
    pieces,
    texts,
    eos,
    finishReason,
    kind: script?.raw !== undefined && !req.structuredJson ? 'tool_call' : kind,
    parse,
    fault,
    ...(transport ? { transport } : {}),
    stallMs,
    ...(timing ? { timing } : {}),
  };
}
