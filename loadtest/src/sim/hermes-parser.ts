// vLLM's Hermes2ProToolParser (`--tool-call-parser hermes`), non-streaming path, reproduced
// exactly: every <tool_call> block must json.loads to a dict with "name" (str) and "arguments";
// if ANY block fails, the WHOLE output comes back as plain content with no tool calls.
import { isPyDict, pyJsonDumps, pyJsonLoads, type PyJson } from './py-json.js';

export const TOOL_CALL_START = '<tool_call>';
export const TOOL_CALL_END = '</tool_call>';

export interface ParsedToolCall {
  name: string;
  /** json.dumps(arguments, ensure_ascii=False), exactly as vLLM returns it. */
  arguments: string;
}

export interface HermesExtraction {
  toolsCalled: boolean;
  toolCalls: ParsedToolCall[];
  /** Text before the first <tool_call> (null when empty), or the whole output on fallback. */
  content: string | null;
}

/** One regex match of `<tool_call>(.*?)</tool_call>|<tool_call>(.*)` (DOTALL): its body and span. */
export interface ToolCallBlock {
  body: string;
  start: number;
  end: number;
  closed: boolean;
}

export function findToolCallBlocks(output: string): ToolCallBlock[] {
  const re = /<tool_call>([\s\S]*?)<\/tool_call>|<tool_call>([\s\S]*)/g;
  const blocks: ToolCallBlock[] = [];
  for (let m = re.exec(output); m; m = re.exec(output)) {
    // Python: `match[0] if match[0] else match[1]` — an empty closed body falls through to group 2 ('').
    const body = m[1] ? m[1] : (m[2] ?? '');
    blocks.push({ body, start: m.index, end: m.index + m[0].length, closed: m[1] !== undefined });
  }
  return blocks;
}

/** Parses one block body the way the parser's list comprehension does; null where Python raises. */
export function parseToolCallBody(body: string): ParsedToolCall | null {
  let parsed: PyJson;
  try {
    parsed = pyJsonLoads(body);
  } catch {
    return null;
  }
  // function_call["name"] on a list/str/number raises TypeError; a missing key raises KeyError.
  if (!isPyDict(parsed) || !parsed.has('name') || !parsed.has('arguments')) return null;
  const name = parsed.get('name');
  if (typeof name !== 'string') return null; // pydantic FunctionCall.name: str rejects non-strings
  return { name, arguments: pyJsonDumps(parsed.get('arguments') ?? null) };
}

export function extractHermesToolCalls(output: string): HermesExtraction {
  if (!output.includes(TOOL_CALL_START)) return { toolsCalled: false, toolCalls: [], content: output };
  const calls: ParsedToolCall[] = [];
  for (const block of findToolCallBlocks(output)) {
    const call = parseToolCallBody(block.body);
    if (!call) return { toolsCalled: false, toolCalls: [], content: output };
    calls.push(call);
  }
  const content = output.slice(0, output.indexOf(TOOL_CALL_START));
  return { toolsCalled: true, toolCalls: calls, content: content ? content : null };
}
