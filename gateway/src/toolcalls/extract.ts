// Finds candidate calls in an assistant message: parsed `tool_calls`, `<tool_call>` blocks, fenced
// or bare JSON, Python call syntax, and — only when nothing stands outside — calls inside <think>.
// Extraction only locates and parses; shapes, names and arguments are judged later.
import { findJsonPieces, isPlainObject, parseLenient, scanState } from './json-text.js';
import { looksLikePythonCall, parsePythonCalls, pythonCallNames } from './python-call.js';
import { addRepair, type RepairKind } from './repair-kinds.js';
import { maskRegions, thinkRegions, type Span } from './think.js';
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

function readJsonBody(body: string, truncated: boolean, base: Omit<RawCall, 'value' | 'repairs'>, repairs: RepairKind[]): RawCall[] {
  const pieces = findJsonPieces(body);
  if (pieces.length === 0) return [{ ...base, repairs, error: 'no JSON object in the tool call' }];
  let outside = body.slice(0, pieces[0]!.start) + body.slice(pieces[pieces.length - 1]!.end);
  for (let k = 1; k < pieces.length; k++) outside += body.slice(pieces[k - 1]!.end, pieces[k]!.start);
  // stray brackets/commas around the object are a syntax slip; words are prose
  if (outside.trim() !== '') addRepair(repairs, /^[\s\]}),;]*$/.test(outside) ? 'json_syntax' : 'prose_stripped');
  if (pieces.length > 1) addRepair(repairs, 'multiple_objects');
  const out: RawCall[] = [];
  for (const p of pieces) {
    const slice = body.slice(p.start, p.end);
    if (p.unclosed && truncated) {
      // Cut off by the end of generation: closing brackets are safe to add only right after a
      // completed value, never inside a string or after a number/key that may have gone on.
      const st = scanState(slice, 0, slice.length);
      if (st.inString || !'}]'.includes(st.lastSignificant || 'x')) {
        out.push({ ...base, repairs: [...repairs], error: 'tool call truncated inside a value' });
        continue;
      }
    }
    const parsed = parseLenient(slice);
    const r = [...repairs];
    for (const k of parsed.repairs) addRepair(r, k);
    if (!parsed.ok) {
      out.push({ ...base, repairs: r, error: parsed.error ?? 'unparseable JSON' });
      continue;
    }
    const values = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    if (Array.isArray(parsed.value)) addRepair(r, 'multiple_objects');
    if (values.length === 0) out.push({ ...base, repairs: r, error: 'empty array of tool calls' });
    for (const v of values) out.push({ ...base, value: v, repairs: [...r] });
  }
  return out;
}

function readPython(body: string, base: Omit<RawCall, 'value' | 'repairs'>, repairs: RepairKind[]): RawCall[] {
  const r = [...repairs];
  addRepair(r, 'python_call_syntax');
  return parsePythonCalls(body).map((pc) => {
    const rr = [...r];
    for (const k of pc.repairs) addRepair(rr, k);
    if (pc.error) return { ...base, repairs: rr, error: pc.error, value: pc.name ? { name: pc.name } : undefined };
    return { ...base, repairs: rr, value: { name: pc.name, arguments: pc.arguments } };
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
function readTagBody(body: string, truncated: boolean, base: Omit<RawCall, 'value' | 'repairs'>, repairs: RepairKind[]): RawCall[] {
  const inner = stripFence(body, repairs);
  if (inner.trim() === '') return [{ ...base, repairs, error: 'empty <tool_call> block' }];
  if (looksLikePythonCall(inner)) return readPython(inner, base, repairs);
  return readJsonBody(inner, truncated, base, repairs);
}

/** Chooses where a `<tool_call>` body ends: the first close tag that leaves valid JSON, else the first outside a string. */
function chooseClose(text: string, bodyStart: number, limit: number): { end: number; repairs: RepairKind[] } | null {
  const closes: number[] = [];
  for (let c = text.indexOf(CALL_CLOSE, bodyStart); c >= 0 && c < limit; c = text.indexOf(CALL_CLOSE, c + 1)) closes.push(c);
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

interface SegmentScan {
  calls: RawCall[];
  spans: Span[];
}

function scanTags(text: string, fromThink: boolean): SegmentScan {
  const calls: RawCall[] = [];
  const spans: Span[] = [];
  let pos = 0;
  for (let open = text.indexOf(CALL_OPEN, pos); open >= 0; open = text.indexOf(CALL_OPEN, pos)) {
    const bodyStart = open + CALL_OPEN.length;
    const nextOpen = text.indexOf(CALL_OPEN, bodyStart);
    const limit = nextOpen < 0 ? text.length : nextOpen;
    const close = chooseClose(text, bodyStart, limit);
    const repairs: RepairKind[] = close ? [...close.repairs] : ['close_tag_missing'];
    const bodyEnd = close ? close.end : limit;
    const spanEnd = close ? close.end + CALL_CLOSE.length : limit;
    const raw = text.slice(open, spanEnd);
    const truncated = !close && nextOpen < 0;
    calls.push(...readTagBody(text.slice(bodyStart, bodyEnd), truncated, { raw, source: 'tag', fromThink }, repairs));
    spans.push([open, spanEnd]);
    pos = spanEnd;
  }
  // a stray close tag (the model forgot the opener) is removed from content; the JSON before it
  // is then found by the bare scan
  for (let c = text.indexOf(CALL_CLOSE); c >= 0; c = text.indexOf(CALL_CLOSE, c + 1)) {
    if (!spans.some(([s, e]) => c >= s && c < e)) spans.push([c, c + CALL_CLOSE.length]);
  }
  return { calls, spans };
}

function scanFences(text: string, ctx: ExtractContext, fromThink: boolean): SegmentScan {
  const calls: RawCall[] = [];
  const spans: Span[] = [];
  for (const m of text.matchAll(FENCE)) {
    const body = m[1] ?? '';
    const base = { raw: m[0], source: 'fence' as const, fromThink };
    let found: RawCall[] = [];
    if (looksLikePythonCall(body) && pythonCallNames(body).every(ctx.isToolName)) found = readPython(body, base, ['fence_stripped']);
    else {
      const truncated = !m[0].trimEnd().endsWith('```') || m[0].trim() === '```';
      found = readJsonBody(body, truncated && m.index + m[0].length >= text.length, base, ['fence_stripped']).filter(
        (c) => c.value === undefined || looksLikeCall(c.value, ctx),
      );
      // unparseable fences are not calls unless they clearly started one
      found = found.filter((c) => c.value !== undefined || /"name"\s*:/.test(body));
    }
    if (found.length > 0) {
      for (const c of found) addRepair(c.repairs, 'fence_stripped');
      calls.push(...found);
      spans.push([m.index, m.index + m[0].length]);
    }
  }
  return { calls, spans };
}

function scanBare(text: string, ctx: ExtractContext, fromThink: boolean, expectBareArray: boolean): SegmentScan {
  const calls: RawCall[] = [];
  const spans: Span[] = [];
  for (const p of findJsonPieces(text)) {
    const slice = text.slice(p.start, p.end);
    const base = { raw: slice, source: 'bare' as const, fromThink };
    const found = readJsonBody(slice, p.unclosed, base, []);
    const callLike = found.filter((c) => c.value !== undefined && looksLikeCall(c.value, ctx));
    const brokenCall = found.some((c) => c.value === undefined) && /"name"\s*:/.test(slice);
    if (callLike.length === 0 && !brokenCall) continue;
    // a whole-content array under tool_choice "required" is the expected format, not a repair
    const expected = expectBareArray && slice.trimStart().startsWith('[') && text.slice(0, p.start).trim() === '';
    for (const c of found) {
      if (!expected) addRepair(c.repairs, 'bare_json');
      else c.repairs = c.repairs.filter((k) => k !== 'multiple_objects');
    }
    calls.push(...found.filter((c) => c.value === undefined || looksLikeCall(c.value, ctx)));
    spans.push([p.start, p.end]);
  }
  if (calls.length > 0) return { calls, spans };
  // Python call syntax on its own line(s), only for names that resolve to a tool
  let offset = 0;
  for (const line of text.split('\n')) {
    if (looksLikePythonCall(line) && pythonCallNames(line).every(ctx.isToolName)) {
      calls.push(...readPython(line, { raw: line.trim(), source: 'python', fromThink }, []));
      spans.push([offset, offset + line.length]);
    }
    offset += line.length + 1;
  }
  return { calls, spans };
}

function blankSpans(text: string, spans: Span[]): string {
  let out = text;
  for (const [s, e] of spans) out = out.slice(0, s) + ' '.repeat(e - s) + out.slice(e);
  return out;
}

/** Every call in one text (think-masked), tags first, then fences, then bare JSON / Python. */
function scanSegment(text: string, ctx: ExtractContext, fromThink: boolean, expectBareArray: boolean): SegmentScan {
  const tags = scanTags(text, fromThink);
  if (tags.calls.length > 0) return tags;
  const rest = blankSpans(text, tags.spans);
  const fences = scanFences(rest, ctx, fromThink);
  if (fences.calls.length > 0) return { calls: fences.calls, spans: [...tags.spans, ...fences.spans] };
  const bare = scanBare(rest, ctx, fromThink, expectBareArray);
  return { calls: bare.calls, spans: [...tags.spans, ...bare.spans] };
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

export function extractCalls(output: AssistantOutput, ctx: ExtractContext, opts: { expectBareArray?: boolean } = {}): Extraction {
  const content = typeof output.content === 'string' ? output.content : '';
  const calls: RawCall[] = [];
  for (const tc of output.tool_calls ?? []) {
    const fn = tc?.function ?? {};
    calls.push({
      value: { name: fn.name, arguments: fn.arguments },
      argumentsEncoded: typeof fn.arguments === 'string',
      repairs: [],
      raw: JSON.stringify(tc ?? null),
      source: 'tool_calls',
      fromThink: false,
      ...(tc?.id ? { id: tc.id } : {}),
    });
  }
  const regions = thinkRegions(content);
  const outside = scanSegment(regions.length > 0 ? maskRegions(content, regions, false) : content, ctx, false, opts.expectBareArray ?? false);
  calls.push(...outside.calls);
  const spans = [...outside.spans];
  const inside = regions.length > 0 ? scanSegment(maskRegions(content, regions, true), ctx, true, false) : { calls: [], spans: [] };
  spans.push(...inside.spans); // call text inside <think> never reaches the client either way
  if (calls.length === 0) {
    const reasoning = typeof output.reasoning_content === 'string' ? scanSegment(output.reasoning_content, ctx, true, false) : { calls: [] };
    for (const c of [...inside.calls, ...reasoning.calls]) {
      addRepair(c.repairs, 'think_recovered');
      calls.push(c);
    }
  }
  const rest = cutSpans(content, spans).trim();
  return { calls, content: rest === '' ? null : rest };
}
