// Turns a validated request into everything the pod needs to answer it: prompt tokens, the
// output token pieces (after faults, max_tokens, min_tokens, ignore_eos), finish reason and
// which parser applies. Pure: no I/O, no clock.
import { renderChatPrompt } from './chat-template.js';
import { isTransportFault, planOutput, type FaultKind, type FaultProfile, type TransportFault } from './faults.js';
import { hashParts, seededRandom } from './hash.js';
import { lastUserText, plainAnswer, type GenerationRequest, type OutputKind } from './output-generator.js';
import { contextFromText, synthesizeArguments } from './schema-args.js';
import type { ParsedRequest } from './request-parse.js';
import { tokenize, tokenPieces } from './tokenizer.js';
import { badRequest } from './vllm-errors.js';

export interface PodBehaviour {
  seed: number;
  maxModelLen: number;
  parser: 'hermes' | 'none';
  /** vLLM --reasoning-parser qwen3: text up to </think> becomes reasoning_content. */
  reasoningParser?: 'qwen3' | null;
  faults: FaultProfile;
}

export interface ResponsePlan {
  promptIds: number[];
  /** Output tokens as text pieces; their concatenation is the raw model output. */
  pieces: string[];
  finishReason: 'stop' | 'length';
  kind: OutputKind;
  /** Whether the hermes tool parser post-processes this output (vLLM's auto tool choice path). */
  parseTools: boolean;
  /** Whether the qwen3 reasoning parser splits <think>…</think> into reasoning_content (chat only). */
  parseReasoning: boolean;
  fault: FaultKind | null;
  transport?: TransportFault;
  stallMs: number;
  timing?: { ttftMs: number; itlMs: number };
}

const FILLER = [' the', ' and', ' of', ' to', ' a', ' in', ' is', ' it', ' we', ' on'];

export function promptTokenIds(req: ParsedRequest): number[] {
  if (req.promptIds) return req.promptIds;
  if (req.prompt !== undefined) return tokenize(req.prompt);
  return tokenize(renderChatPrompt(req.messages ?? [], req.tools, { enableThinking: req.enableThinking }));
}

function generationRequest(req: ParsedRequest): GenerationRequest {
  if (req.api === 'completions') return { prompt: req.prompt ?? req.promptIds?.join(' ') ?? '' };
  return { messages: req.messages, tools: req.tools, tool_choice: req.toolChoice };
}

export function planResponse(req: ParsedRequest, pod: PodBehaviour): ResponsePlan {
  const promptIds = promptTokenIds(req);
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

  // What the model "says": scripted text, or the generator's answer with any profile fault applied.
  const script = req.script;
  let text: string;
  let kind: OutputKind;
  let fault: FaultKind | null = null;
  let finishReason: 'stop' | 'length' = 'stop';
  if (req.structuredJson) {
    // Guided decoding: whatever the model would have said, the output conforms to the schema
    // (a scripted raw text or an output fault cannot break that constraint).
    text = JSON.stringify(synthesizeArguments(req.structuredJson, contextFromText(lastUserText(genReq.messages))));
    kind = 'text';
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
    text = planned.text;
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
  if (pieces.length > maxTokens) {
    pieces = pieces.slice(0, maxTokens);
    finishReason = 'length';
  }
  if (pieces.length === 0) pieces = [''];

  const transport = script?.fault ?? (isTransportFault(fault) ? fault : undefined);
  const parserName = script?.parser ?? pod.parser;
  const autoTools = (req.tools?.length ?? 0) > 0 && (req.toolChoice === undefined || req.toolChoice === 'auto');
  const parseTools = req.api === 'chat' && parserName === 'hermes' && (script?.parser === 'hermes' || autoTools);
  const stallMs = script?.stall_ms ?? (transport === 'stall' ? pod.faults.stallMs : 0);
  const timing = script?.ttft_ms !== undefined || script?.itl_ms !== undefined ? { ttftMs: script.ttft_ms ?? 0, itlMs: script.itl_ms ?? 0 } : undefined;
  return {
    parseReasoning: req.api === 'chat' && pod.reasoningParser === 'qwen3',
    promptIds,
    pieces,
    finishReason,
    kind: script?.raw !== undefined && !req.structuredJson ? 'tool_call' : kind,
    parseTools,
    fault,
    ...(transport ? { transport } : {}),
    stallMs,
    ...(timing ? { timing } : {}),
  };
}
