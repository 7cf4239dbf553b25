// Finds candidate calls in an assistant message: parsed `tool_calls`, `<tool_call>` blocks, fenced
// or bare JSON, Python call syntax, and — only when nothing stands outside — calls inside <think>.
// Every segment found yields at least one call (an unreadable one if need be), so no call can vanish
// before the verdict. Extraction only locates and parses; shapes, names and arguments are judged later.
import { findJsonPieces, isPlainObject, parseLenient, scanState } from './json-text.js';
import { looksLikePythonCall, parsePythonCalls, pythonCallNames } from './python-call.js';
import { addRepair, type RepairKind } from './repair-kinds.js';
import { maskRegions, THINK_CLOSE, thinkRegions, type Span } from './think.js';
import { closeTruncated } from './truncation.js';
import { withFields } from './safe-json.js';
import type { AssistantOutput } from './types.js';

export const CALL_OPEN = '<tool_call>';
export const CALL_CLOSE = '</tool_call>';

export type CallSource = 'tool_calls' | 'tag' | 'fence' | 'bare' | 'python';

export interface RawCall {
  /** The parsed call object ({name, arguments} or a variant normalize() understands). */
  value?: unknown;
  error?: string;
  repairs: RepairKind[];
  raw: string;
  source: CallSource;
  fromThink: boolean;
  id?: string;
  /** From parsed `tool_calls`: a string `arguments` is the standard encoding, not a repair. */
  argumentsEncoded?: boolean;
  /** For an unreadable call (`error`), the function name as far as it could be read. */
  nameHint?: string;
}

export interface ExtractContext {
  /** Whether a name could resolve to one of the request's tools (gates bare Python-call detection). */
  isToolName: (name: string) => boolean;
}

export interface Extraction {
  calls: RawCall[];
  /** Content with every call segment cut out, trimmed; null when empty. */
  content: string | null;
}

/** A JSON value that can only be meant as a call (so JSON in ordinary prose is left alone). */
export function looksLikeCall(v: unknown, ctx: ExtractContext): boolean {
  if (!isPlainObject(v)) return false;
  if (isPlainObject(v.function) && typeof v.function.name === 'string') return true;
  if (typeof v.name !== 'string') return false;
  return 'arguments' in v || 'parameters' in v || ctx.isToolName(v.name);
}

const FENCE = /```[\w-]*[ \t]*\n?([\s\S]*?)(?:```|$)/g;
const FENCE_BODY = /^```[\w-]*[ \t]*\n?([\s\S]*?)(?:```)?$/;

type Base = Omit<RawCall, 'value' | 'repairs'>;
/** A call read from `base`'s segment (withFields: see safe-json.ts). */
const rawCall = (base: Base, fields: Partial<RawCall> & Pick<RawCall, 'repairs'>): RawCall =>
  withFields(base, fields) as unknown as RawCall;

const NAME_HINT = /["']?name["']?\s*:\s*["']([^"'\\\n]{1,128})["']/;
/** The function name of an unreadable call, when it can still be read (for the error message). */
const nameHint = (text: string): { nameHint?: string } => {
  const m = NAME_HINT.exec(text);
  return m ? { nameHint: m[1]! } : {};
};
/** A JSON piece that failed to parse but clearly began a call. */
const startsCall = (text: string): boolean => NAME_HINT.test(text) || /["']?name["']?\s*:/.test(text);

/** Length of the longest suffix of `text` that is a proper prefix of `marker`, at least `min` long (else 0). */
export function partialMarkerAtEnd(text: string, marker: string, min: number): number {
  for (let k = Math.min(marker.length - 1, text.length); k >= min; k--) if (text.endsWith(marker.slice(0, k))) return k;
  return 0;
}
/** The output ended inside an opening tag when it ends with `<tool` … `<tool_call` (shorter could be prose). */
export const PARTIAL_OPEN_MIN = '<tool'.length;

function readJsonBody(body: string, truncated: boolean, base: Base, repairs: RepairKind[]): RawCall[] {
  const pieces = findJsonPieces(body);
  if (pieces.length === 0)
    return [rawCall(base, { repairs, error: 'no JSON object in the tool call', ...nameHint(body) })];
  let outside = body.slice(0, pieces[0]!.start) + body.slice(pieces[pieces.length - 1]!.end);
  for (let k = 1; k < pieces.length; k++) outside += body.slice(pieces[k - 1]!.end, pieces[k]!.start);
  // stray brackets/commas around the object are a syntax slip; words are prose
  if (outside.trim() !== '') addRepair(repairs, /^[\s\]}),;]*$/.test(outside) ? 'json_syntax' : 'prose_stripped');
  if (pieces.length > 1) addRepair(repairs, 'multiple_objects');
  const out: RawCall[] = [];
  for (const p of pieces) {
    let slice = body.slice(p.start, p.end);
    const r = [...repairs];
    if (p.unclosed && truncated) {
      // Cut off: brackets are added only right after a complete value (truncation.ts)
      const closed = closeTruncated(slice);
      if (closed === null) {
        out.push(rawCall(base, { repairs: r, error: 'tool call truncated inside a value', ...nameHint(slice) }));
        continue;
      }
      slice = closed;
      addRepair(r, 'truncated_closed');
    }
    const parsed = parseLenient(slice);
    for (const k of parsed.repairs) addRepair(r, k);
    if (!parsed.ok) {
      out.push(rawCall(base, { repairs: r, error: parsed.error ?? 'unparseable JSON', ...nameHint(slice) }));
      continue;
    }
    const values = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    if (Array.isArray(parsed.value)) addRepair(r, 'multiple_objects');
    if (values.length === 0) out.push(rawCall(base, { repairs: r, error: 'empty array of tool calls' }));
    for (const v of values) out.push(rawCall(base, { value: v, repairs: [...r] }));
  }
  return out;
}

function readPython(body: string, base: Base, repairs: RepairKind[]): RawCall[] {
  const r = [...repairs];
  addRepair(r, 'python_call_syntax');
  return parsePythonCalls(body).map((pc) => {
    const rr = [...r];
    for (const k of pc.repairs) addRepair(rr, k);
    if (pc.error)
      return rawCall(base, { repairs: rr, error: pc.error, value: pc.name ? { name: pc.name } : undefined });
    return rawCall(base, { repairs: rr, value: { name: pc.name, arguments: pc.arguments } });
  });
}

function stripFence(body: string, repairs: RepairKind[]): string {
  const t = body.trim();
  const m = /^```[\w-]*[ \t]*\n?([\s\S]*?)(?:```)?$/.exec(t);
  if (!t.startsWith('```') || !m) return body;
  addRepair(repairs, 'fence_stripped');
  return m[1]!;
}

/** Reads one `<tool_call>` body (fenced, Python or JSON). */
function readTagBody(body: string, truncated: boolean, base: Base, repairs: RepairKind[]): RawCall[] {
  const inner = stripFence(body, repairs);
  if (inner.trim() === '') return [rawCall(base, { repairs, error: 'empty <tool_call> block' })];
  if (looksLikePythonCall(inner)) return readPython(inner, base, repairs);
  return readJsonBody(inner, truncated, base, repairs);
}

/** Chooses where a `<tool_call>` body ends: the first close tag that leaves valid JSON, else the first outside a string. */
function chooseClose(text: string, bodyStart: number, limit: number): { end: number; repairs: RepairKind[] } | null {
  const closes: number[] = [];
  for (let c = text.indexOf(CALL_CLOSE, bodyStart); c >= 0 && c < limit; c = text.indexOf(CALL_CLOSE, c + 1))
    closes.push(c);
  if (closes.length === 0) return null;
  for (let k = 0; k < closes.length; k++) {
    try {
      JSON.parse(text.slice(bodyStart, closes[k]).trim());
      return { end: closes[k]!, repairs: k > 0 ? ['close_tag_in_string'] : [] };
    } catch {
      /* try the next one */
    }
  }
  const body = text.slice(bodyStart, limit);
  const jsonStart = body.search(/[{[]/);
  if (jsonStart >= 0) {
    for (let k = 0; k < closes.length; k++) {
      const st = scanState(text, bodyStart + jsonStart, closes[k]!);
      if (!st.inString) return { end: closes[k]!, repairs: k > 0 ? ['close_tag_in_string'] : [] };
    }
  }
  return { end: closes[0]!, repairs: [] };
}

/** One detected call segment and what was read from it (never nothing: see segment()). */
interface Found {
  span: Span;
  calls: RawCall[];
}

interface SegmentScan {
  found: Found[];
  /** Spans cut from content that hold no call (a stray `</tool_call>`). */
  stray: Span[];
}

/**
 * Every detected segment yields at least one call, valid or not: a segment that reads as nothing
 * becomes an unreadable call, so no call can vanish between detection and the verdict.
 */
function segment(span: Span, calls: RawCall[], base: Base): Found {
  return {
    span,
    calls:
      calls.length > 0 ? calls : [rawCall(base, { repairs: [], error: 'no call could be read from this segment' })],
  };
}

function scanTags(text: string, fromThink: boolean): SegmentScan {
  const found: Found[] = [];
  const stray: Span[] = [];
  let pos = 0;
  for (let open = text.indexOf(CALL_OPEN, pos); open >= 0; open = text.indexOf(CALL_OPEN, pos)) {
    const bodyStart = open + CALL_OPEN.length;
    const nextOpen = text.indexOf(CALL_OPEN, bodyStart);
    const limit = nextOpen < 0 ? text.length : nextOpen;
    const close = chooseClose(text, bodyStart, limit);
    const repairs: RepairKind[] = close ? [...close.repairs] : ['close_tag_missing'];
    let bodyEnd = close ? close.end : limit;
    // output cut off inside the close tag: `</tool_` is the tag, not prose
    if (!close && nextOpen < 0) bodyEnd -= partialMarkerAtEnd(text.slice(bodyStart, bodyEnd), CALL_CLOSE, 1);
    const spanEnd = close ? close.end + CALL_CLOSE.length : limit;
    const base: Base = { raw: text.slice(open, spanEnd), source: 'tag', fromThink };
    // without a close tag the body was cut off (by the end of output or a new <tool_call>)
    found.push(segment([open, spanEnd], readTagBody(text.slice(bodyStart, bodyEnd), !close, base, repairs), base));
    pos = spanEnd;
  }
  // output cut off inside an opening tag: a call was starting, so it is reported, not dropped
  const partial = partialMarkerAtEnd(text, CALL_OPEN, PARTIAL_OPEN_MIN);
  if (partial > 0 && text.length - partial >= pos) {
    const base: Base = { raw: text.slice(text.length - partial), source: 'tag', fromThink };
    found.push(
      segment(
        [text.length - partial, text.length],
        [rawCall(base, { repairs: ['close_tag_missing'], error: 'tool call cut off in its opening tag' })],
        base,
      ),
    );
  }
  // a stray close tag (the model forgot the opener) is removed from content; the JSON before it
  // is then found by the bare scan
  for (let c = text.indexOf(CALL_CLOSE); c >= 0; c = text.indexOf(CALL_CLOSE, c + 1)) {
    if (!found.some(({ span: [s, e] }) => c >= s && c < e)) stray.push([c, c + CALL_CLOSE.length]);
  }
  return { found, stray };
}

/**
 * The calls in one fenced block (` ```json … ``` `, `truncated` when the output ended inside it), or []
 * when it is not a call: code samples and data stay text. Shared with the stream splitter.
 */
export function readFence(fence: string, truncated: boolean, ctx: ExtractContext, fromThink = false): RawCall[] {
  const body = FENCE_BODY.exec(fence)?.[1] ?? '';
  const base: Base = { raw: fence, source: 'fence', fromThink };
  let calls: RawCall[];
  if (looksLikePythonCall(body) && pythonCallNames(body).every(ctx.isToolName))
    calls = readPython(body, base, ['fence_stripped']);
  else {
    const closed = fence.trimEnd().endsWith('```') && fence.trim() !== '```';
    const read = readJsonBody(body, truncated && !closed, base, ['fence_stripped']);
    // a fence is a call when it holds one, or clearly started one
    calls = read.filter(
      (c) => (c.value !== undefined && looksLikeCall(c.value, ctx)) || (c.value === undefined && startsCall(body)),
    );
  }
  for (const c of calls) addRepair(c.repairs, 'fence_stripped');
  return calls;
}

/**
 * The calls in one bare JSON value (`unclosed` when the output ended inside it), or [] when it is
 * not a call: JSON in prose is left alone unless it has a call's shape. Shared with the stream splitter.
 */
export function readBare(json: string, unclosed: boolean, ctx: ExtractContext, fromThink = false): RawCall[] {
  const read = readJsonBody(json, unclosed, { raw: json, source: 'bare', fromThink }, []);
  const callLike = read.some((c) => c.value !== undefined && looksLikeCall(c.value, ctx));
  const brokenCall = read.some((c) => c.value === undefined) && startsCall(json);
  if (!callLike && !brokenCall) return [];
  return read.filter((c) => c.value === undefined || looksLikeCall(c.value, ctx));
}

/** A line (trimmed) that is a Python call, or a list of them, of the request's tools. */
export function isPythonCallLine(line: string, ctx: ExtractContext): boolean {
  return looksLikePythonCall(line) && pythonCallNames(line).every(ctx.isToolName);
}

function scanFences(text: string, ctx: ExtractContext, fromThink: boolean): SegmentScan {
  const found: Found[] = [];
  for (const m of text.matchAll(FENCE)) {
    const calls = readFence(m[0], m.index + m[0].length >= text.length, ctx, fromThink);
    if (calls.length > 0) found.push({ span: [m.index, m.index + m[0].length], calls });
  }
  return { found, stray: [] };
}

function scanBare(text: string, ctx: ExtractContext, fromThink: boolean, expectBareArray: boolean): SegmentScan {
  const found: Found[] = [];
  for (const p of findJsonPieces(text)) {
    const slice = text.slice(p.start, p.end);
    const calls = readBare(slice, p.unclosed, ctx, fromThink);
    if (calls.length === 0) continue;
    // a whole-content array under tool_choice "required" is the expected format, not a repair
    const expected = expectBareArray && slice.trimStart().startsWith('[') && text.slice(0, p.start).trim() === '';
    for (const c of calls) {
      if (!expected) addRepair(c.repairs, 'bare_json');
      else c.repairs = c.repairs.filter((k) => k !== 'multiple_objects');
    }
    found.push({ span: [p.start, p.end], calls });
  }
  return { found, stray: [] };
}

/** Python call syntax on a line of its own (the span is the line without its surrounding blanks). */
function scanPythonLines(text: string, ctx: ExtractContext, fromThink: boolean): SegmentScan {
  const found: Found[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    if (isPythonCallLine(line, ctx)) {
      const start = offset + (line.length - line.trimStart().length);
      const base: Base = { raw: line.trim(), source: 'python', fromThink };
      found.push(segment([start, start + base.raw.length], readPython(line, base, []), base));
    }
    offset += line.length + 1;
  }
  return { found, stray: [] };
}

function blankSpans(text: string, spans: Span[]): string {
  let out = text;
  for (const [s, e] of spans) out = out.slice(0, s) + ' '.repeat(e - s) + out.slice(e);
  return out;
}

/**
 * Every call in one text (think-masked), in text order. Tags first; fences, bare JSON and Python
 * lines are read from what the tags leave, so each byte belongs to at most one segment.
 */
function scanSegment(
  text: string,
  ctx: ExtractContext,
  fromThink: boolean,
  expectBareArray: boolean,
): SegmentScan & { calls: RawCall[] } {
  const tags = scanTags(text, fromThink);
  const found = [...tags.found];
  let rest = blankSpans(text, [...tags.found.map((f) => f.span), ...tags.stray]);
  // what the tags leave can hold another call only if it has a bracket, a fence or a parenthesis
  if (!/[{[`(]/.test(rest)) return { found, stray: tags.stray, calls: found.flatMap((f) => f.calls) };
  for (const scan of [
    (t: string) => scanFences(t, ctx, fromThink),
    (t: string) => scanBare(t, ctx, fromThink, expectBareArray),
    (t: string) => scanPythonLines(t, ctx, fromThink),
  ]) {
    const more = scan(rest).found;
    found.push(...more);
    rest = blankSpans(
      rest,
      more.map((f) => f.span),
    );
  }
  found.sort((a, b) => a.span[0] - b.span[0]);
  return { found, stray: tags.stray, calls: found.flatMap((f) => f.calls) };
}

function cutSpans(text: string, spans: Span[]): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [s, e] of sorted) {
    if (s < pos) continue;
    out += text.slice(pos, s);
    pos = e;
  }
  return out + text.slice(pos);
}

/** Parsed `tool_calls`. vLLM's hermes parser also reads calls inside <think> (it knows no think) and
 *  cuts content at the first call, so content that ends inside an open <think> means call 0 stood there. */
function parsedCalls(output: AssistantOutput, content: string, regions: Span[]): RawCall[] {
  const list = output.tool_calls ?? [];
  const last = regions[regions.length - 1];
  const firstInThink =
    list.length > 0 &&
    last !== undefined &&
    last[1] === content.length &&
    !content.slice(last[0]).includes(THINK_CLOSE);
  return list.map((tc, i) => {
    const fn = tc?.function ?? {};
    return {
      value: { name: fn.name, arguments: fn.arguments },
      argumentsEncoded: typeof fn.arguments === 'string',
      repairs: [],
      raw: JSON.stringify(tc ?? null),
      source: 'tool_calls' as const,
      fromThink: firstInThink && i === 0,
      ...(tc?.id ? { id: tc.id } : {}),
    };
  });
}

export function extractCalls(
  output: AssistantOutput,
  ctx: ExtractContext,
  opts: { expectBareArray?: boolean } = {},
): Extraction {
  const content = typeof output.content === 'string' ? output.content : '';
  const regions = thinkRegions(content);
  const calls = parsedCalls(output, content, regions);
  const outside = scanSegment(
    regions.length > 0 ? maskRegions(content, regions, false) : content,
    ctx,
    false,
    opts.expectBareArray ?? false,
  );
  calls.push(...outside.calls);
  const cut = [...outside.found.map((f) => f.span), ...outside.stray];
  const inside = regions.length > 0 ? scanSegment(maskRegions(content, regions, true), ctx, true, false) : null;
  // call text inside <think> never reaches the client either way
  if (inside) cut.push(...inside.found.map((f) => f.span), ...inside.stray);
  if (calls.length === 0) {
    // the think text a reasoning parser moved out of content (one field or the other, or both alike)
    const texts = new Set(
      [output.reasoning, output.reasoning_content].filter((t): t is string => typeof t === 'string'),
    );
    const reasoning = [...texts].flatMap((t) => scanSegment(t, ctx, true, false).calls);
    for (const c of [...(inside?.calls ?? []), ...reasoning]) {
      addRepair(c.repairs, 'think_recovered');
      calls.push(c);
    }
  }
  const rest = cutSpans(content, cut).trim();
  return { calls, content: rest === '' ? null : rest };
}
