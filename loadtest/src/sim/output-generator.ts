// The "model": a pure function from (request, seed) to the assistant's raw output text. Other
// areas' tests call generateAssistantOutput to know what a correct answer looks like before
// faults are applied (see faults.ts).
import { messageText, type ChatMessage, type ChatTool } from './chat-template.js';
import { hashParts, seededRandom, stableStringify } from './hash.js';
import { fromJs, pyJsonDumps } from './py-json.js';
import { contextFromText, synthesizeArguments } from './schema-args.js';

export interface GenerationRequest {
  messages?: ChatMessage[];
  /** Completions API prompt (used instead of messages). */
  prompt?: string;
  tools?: ChatTool[];
  tool_choice?: unknown;
}

/** text: a plain answer. tool_call: a Qwen3 `<tool_call>` block. */
export type OutputKind = 'text' | 'tool_call';

export interface GeneratedOutput {
  kind: OutputKind;
  text: string;
  toolName?: string;
  arguments?: Record<string, unknown>;
  /**
   * The call was decoded under a grammar, so it cannot be malformed: vLLM 0.33 constrains
   * tool_choice "required" and named choices with hermes structural tags (the call envelope
   * `<tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>`; tool_parsers/structural_tag_registry.py).
   */
  constrained?: boolean;
}

const WORDS = (
  'the model can help with that request and here is a short answer based on what you asked ' +
  'it depends on the details but in most cases this works well so let me know if you need more ' +
  'information about the result or another way to approach the task in general terms'
).split(' ');

/** Hash of what the model "sees": messages + tools (or the completion prompt). Arrival order plays no part. */
export function requestContentHash(req: GenerationRequest): number {
  return hashParts(stableStringify(req.messages ?? req.prompt ?? ''), stableStringify(req.tools ?? []));
}

export function lastUserText(messages: ChatMessage[] | undefined): string {
  const users = (messages ?? []).filter((m) => m.role === 'user');
  return messageText(users[users.length - 1]?.content);
}

function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 3);
}

/** The tool whose name/description shares most words with the user's last message; ties → first. */
export function pickTool(tools: ChatTool[], userText: string): ChatTool | undefined {
  const asked = new Set(wordsOf(userText));
  let best: ChatTool | undefined;
  let bestScore = -1;
  for (const tool of tools) {
    const words = new Set([...wordsOf(tool.function.name), ...wordsOf(tool.function.description ?? '')]);
    let score = 0;
    for (const w of words) if (asked.has(w)) score++;
    if (score > bestScore) {
      best = tool;
      bestScore = score;
    }
  }
  return best;
}

/** A plain-text answer of deterministic length (12–48 words) from the seed and request hash. */
export function plainAnswer(seed: number, contentHash: number): string {
  const rnd = seededRandom(hashParts(seed, contentHash, 'text'));
  const n = 12 + Math.floor(rnd() * 37);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rnd() * WORDS.length)]!);
  const sentence = words.join(' ');
  return sentence[0]!.toUpperCase() + sentence.slice(1) + '.';
}

export function namedToolChoice(toolChoice: unknown): string | undefined {
  if (toolChoice && typeof toolChoice === 'object') {
    const fn = (toolChoice as { function?: { name?: unknown } }).function;
    if (fn && typeof fn.name === 'string') return fn.name;
  }
  return undefined;
}

export function toolCallText(name: string, args: Record<string, unknown>): string {
  return `<tool_call>\n{"name": ${pyJsonDumps(name)}, "arguments": ${pyJsonDumps(fromJs(args))}}\n</tool_call>`;
}

export function generateAssistantOutput(req: GenerationRequest, seed = 0): GeneratedOutput {
  const contentHash = requestContentHash(req);
  const tools = req.tools ?? [];
  const text = () => ({ kind: 'text' as const, text: plainAnswer(seed, contentHash) });
  // Under tool_choice "none" vLLM still renders the tools into the prompt (unless the pod runs with
  // --exclude-tools-when-tool-choice-none, which the caller expresses by passing no tools): the
  // model sees the prompt it sees under "auto" and may call a tool; only the parsing differs.
  if (req.prompt !== undefined || tools.length === 0) return text();

  const userText = lastUserText(req.messages);
  const ctx = contextFromText(userText);
  const named = namedToolChoice(req.tool_choice);
  if (named !== undefined || req.tool_choice === 'required') {
    const tool = named !== undefined ? tools.find((t) => t.function.name === named) : pickTool(tools, userText);
    const name = tool?.function.name ?? named!;
    const args = synthesizeArguments(tool?.function.parameters, ctx);
    return { kind: 'tool_call', text: toolCallText(name, args), toolName: name, arguments: args, constrained: true };
  }
  // auto: after a tool result the model answers in prose; otherwise it calls the best tool.
  const last = req.messages?.[req.messages.length - 1];
  if (last?.role === 'tool') return text();
  const tool = pickTool(tools, userText)!;
  const args = synthesizeArguments(tool.function.parameters, ctx);
  return {
    kind: 'tool_call',
    text: toolCallText(tool.function.name, args),
    toolName: tool.function.name,
    arguments: args,
  };
}
