// vLLM 0.33's Hermes2ProToolParser (`--tool-call-parser hermes`, vllm/tool_parsers/
// hermes_tool_parser.py), both paths reproduced exactly:
//   extract_tool_calls (whole answers): every <tool_call> block must json.loads to a dict with
//     "name" (str) and "arguments"; if ANY block fails, the WHOLE output is plain content;
//   extract_tool_calls_streaming: re-reads the text so far on every token and sends what is new:
//     content only before the first <tool_call>, a call's name once `"name": "..."` is complete,
//     then the raw characters after `"arguments":` (not re-serialised, never taken back).
import { isPyDict, pyJsonDumps, pyJsonLoads, pyRstrip, pyStrip, type PyJson } from './py-json.js';

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
interface ToolCallBlock {
  body: string;
  start: number;
  end: number;
  closed: boolean;
}

function findToolCallBlocks(output: string): ToolCallBlock[] {
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
function parseToolCallBody(body: string): ParsedToolCall | null {
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

/** One entry of a streamed `delta.tool_calls` (vLLM's DeltaToolCall as serialised). */
export interface DeltaToolCall {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments?: string };
}

/** What one streaming step returns: DeltaMessage(content=..., tool_calls=...), content always set. */
export interface HermesDelta {
  content: string | null;
  tool_calls: DeltaToolCall[];
}

/** tool_parsers/utils.py partial_tag_overlap: longest prefix of `tag` that ends `text`. */
export function partialTagOverlap(text: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, text.length); k > 0; k--) if (text.endsWith(tag.slice(0, k))) return k;
  return 0;
}

/** False when `s` opens an object/array it never closes (or a string): json.loads must fail then. */
function plainlyUnclosed(s: string): boolean {
  if (s[0] !== '{' && s[0] !== '[') return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return inString || depth > 0;
}

/** tool_parsers/utils.py is_complete_json (json.loads succeeds); the pre-check spares a throw per token. */
function isCompleteJson(s: string): boolean {
  if (plainlyUnclosed(s)) return false;
  try {
    pyJsonLoads(s);
    return true;
  } catch {
    return false;
  }
}

// Python slices strings by code point; the argument diff must too (an emoji is 2 UTF-16 units).
const cpLength = (s: string) => Array.from(s).length;
const cpSliceFrom = (s: string, n: number) => Array.from(s).slice(n).join('');

/**
 * Hermes2ProToolParser.extract_tool_calls_streaming for one request: feed it the whole text so
 * far after each token (`current_text`); it returns the delta to send, or null.
 */
export class HermesStreamParser {
  private sentContentIdx = 0;
  /** prev_tool_call_arr: per call, the name once sent and the raw arguments text sent so far. */
  private readonly prev: Array<{ name?: string; arguments?: string }> = [];
  private readonly streamedArgs: string[] = [];

  constructor(private readonly makeId: (index: number) => string) {}

  step(currentText: string): HermesDelta | null {
    const content = this.extractContent(currentText);
    const deltas: DeltaToolCall[] = [];
    for (const [i, [tcJson, complete]] of this.toolCallJsons(currentText).entries()) {
      if (i >= this.prev.length) {
        this.prev.push({});
        this.streamedArgs.push('');
      }
      if (this.prev[i]!.name === undefined) {
        const name = /"name"\s*:\s*"([^"]+)"/.exec(tcJson)?.[1];
        if (!name) break; // the next call cannot start before this one has its name
        this.prev[i]!.name = name;
        deltas.push({ id: this.makeId(i), type: 'function', index: i, function: { name } });
      }
      const diff = this.argsDiff(i, tcJson, complete);
      if (diff) deltas.push({ index: i, function: { arguments: diff } });
    }
    return content || deltas.length ? { content: content || null, tool_calls: deltas } : null;
  }

  /** ToolParser.get_remaining_unstreamed_args: "{}" when the last call's name went out without arguments. */
  remainingArgs(): string {
    const last = this.prev.length - 1;
    if (last < 0) return '';
    const expected = this.prev[last]!.arguments ?? '{}';
    const actual = this.streamedArgs[last] ?? '';
    return expected.startsWith(actual) ? expected.slice(actual.length) : '';
  }

  /** Unsent text before the first <tool_call>, holding back a suffix that may be a partial tag. */
  private extractContent(text: string): string | null {
    const at = text.indexOf(TOOL_CALL_START);
    const sendable = at < 0 ? text.length - partialTagOverlap(text, TOOL_CALL_START) : at;
    if (sendable <= this.sentContentIdx) return null;
    const out = text.slice(this.sentContentIdx, sendable);
    this.sentContentIdx = sendable;
    return out;
  }

  /** (json text, complete) per <tool_call> region; an unclosed last region is complete once it parses. */
  private toolCallJsons(text: string): Array<[string, boolean]> {
    const out: Array<[string, boolean]> = [];
    let pos = 0;
    for (;;) {
      const start = text.indexOf(TOOL_CALL_START, pos);
      if (start < 0) break;
      const jsonStart = start + TOOL_CALL_START.length;
      const jsonEnd = text.indexOf(TOOL_CALL_END, jsonStart);
      if (jsonEnd >= 0) {
        out.push([pyStrip(text.slice(jsonStart, jsonEnd)), true]);
        pos = jsonEnd + TOOL_CALL_END.length;
        continue;
      }
      let raw = text.slice(jsonStart);
      const overlap = partialTagOverlap(raw, TOOL_CALL_END);
      if (overlap) raw = raw.slice(0, -overlap);
      const tcJson = pyStrip(raw);
      out.push([tcJson, tcJson ? isCompleteJson(tcJson) : false]);
      break;
    }
    return out;
  }

  /** The raw text after `"arguments":` not yet sent; a complete call loses its outer closing brace. */
  private argsDiff(i: number, tcJson: string, complete: boolean): string | null {
    const m = /"arguments"\s*:\s*/.exec(tcJson);
    if (!m) return null;
    let args = tcJson.slice(m.index + m[0].length);
    if (complete) {
      args = pyRstrip(args);
      if (args.endsWith('}')) args = pyRstrip(args.slice(0, -1));
    }
    const sent = this.streamedArgs[i]!;
    if (cpLength(args) <= cpLength(sent)) return null;
    const diff = cpSliceFrom(args, cpLength(sent));
    this.streamedArgs[i] = args;
    this.prev[i]!.arguments = args;
    return diff;
  }
}
