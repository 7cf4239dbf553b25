// Streaming splitter: an incremental state machine over assistant `content` deltas. It forwards
// text as soon as it cannot be the start of a tool call, and holds back only (a) the shortest
// suffix that may still grow into a marker (`<tool_`, a lone '`') and (b) segments that are, or
// may turn out to be, calls: `<tool_call>…</tool_call>`, fenced JSON, bare JSON objects/arrays
// and — when tool names are known — a Python call at the start. <think> text is emitted as
// reasoning, as vLLM's qwen3 reasoning parser does. Raw call text is never emitted as text.
import { isPlainObject, parseLenient } from './json-text.js';
import { looksLikePythonCall, pythonCallNames } from './python-call.js';
import { normalizeName } from './resolve-name.js';
import type { AssistantOutput } from './types.js';

export type SplitEvent =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  /** A whole call segment (tags/fence included). `complete` is false when the stream ended inside it. */
  | { type: 'call'; raw: string; inThink: boolean; complete: boolean };

export interface SplitterOptions {
  /** Names of the request's tools: enables bare Python-call detection at the start of the content. */
  toolNames?: readonly string[];
  /** Hold bare `{…}` JSON until it is known whether it is a call (default true). */
  detectBareJson?: boolean;
  /** The prompt already opened <think> (Qwen3 thinking mode): the output starts as reasoning. */
  startInThink?: boolean;
  /** 'reasoning' (default): think text becomes reasoning events; 'text': forwarded verbatim as text. */
  think?: 'reasoning' | 'text';
}

type Mode = 'text' | 'think' | 'call' | 'json' | 'fence' | 'python';

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';
const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const FENCE = '```';

export class ToolCallStreamSplitter {
  private mode: Mode;
  private pending = ''; // unprocessed input (text/think modes)
  private heldParts: string[] = []; // the segment being held (call/json/fence/python modes), in pieces
  private heldLength = 0;
  private tail = ''; // the held segment's last characters (before the current input), for close-marker matching
  private heldInThink = false;
  private atStart = true; // nothing but whitespace forwarded yet
  private depth = 0;
  private quote = '';
  private escaped = false;
  private readonly names: Set<string>;
  private readonly bare: boolean;
  private readonly thinkAs: 'reasoning' | 'text';
  private readonly segments: { raw: string; inThink: boolean }[] = [];

  constructor(opts: SplitterOptions = {}) {
    this.mode = opts.startInThink ? 'think' : 'text';
    this.names = new Set((opts.toolNames ?? []).map(normalizeName));
    this.bare = opts.detectBareJson ?? true;
    this.thinkAs = opts.think ?? 'reasoning';
  }

  push(delta: string): SplitEvent[] {
    const out: SplitEvent[] = [];
    this.pending += delta;
    this.run(out, false);
    return merge(out);
  }

  /** Flushes everything at the end of the stream. */
  finish(): SplitEvent[] {
    const out: SplitEvent[] = [];
    this.run(out, true);
    if (this.mode === 'text' || this.mode === 'think') {
      if (this.pending) this.emitPlain(out, this.pending);
      this.pending = '';
    } else {
      this.closeHeld(out, false);
    }
    return merge(out);
  }

  /** Every call segment seen, as an AssistantOutput for checkToolCalls (think-only calls stay in <think>). */
  callOutput(): AssistantOutput {
    const content = this.segments.map((s) => (s.inThink ? `${THINK_OPEN}${s.raw}${THINK_CLOSE}` : s.raw)).join('\n');
    return { content };
  }

  private emitPlain(out: SplitEvent[], text: string): void {
    if (text === '') return;
    if (this.mode === 'think' && this.thinkAs === 'reasoning') out.push({ type: 'reasoning', text });
    else {
      out.push({ type: 'text', text });
      if (text.trim() !== '') this.atStart = false;
    }
  }

  private markers(): string[] {
    if (this.mode === 'think') return [THINK_CLOSE, OPEN, CLOSE];
    const m = [OPEN, CLOSE, THINK_OPEN, THINK_CLOSE, FENCE];
    if (this.bare) m.push('{');
    if (this.atStart) m.push('[');
    return m;
  }

  private run(out: SplitEvent[], final: boolean): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (this.mode === 'text' || this.mode === 'think') {
        if (!this.stepPlain(out, final)) return;
      } else if (!this.stepHeld(out)) return;
    }
  }

  /** Text/think: forward up to the next marker; returns false when it needs more input. */
  private stepPlain(out: SplitEvent[], final: boolean): boolean {
    const buf = this.pending;
    if (this.mode === 'text' && this.atStart && this.names.size > 0) {
      const py = this.startsLikePythonCall(buf, final);
      if (py === 'hold') return false;
      if (py === 'python') return true;
    }
    let at = -1;
    let marker = '';
    for (const m of this.markers()) {
      const i = buf.indexOf(m);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        marker = m;
      }
    }
    if (at < 0) {
      const keep = final ? 0 : partialMarkerSuffix(buf, this.markers());
      this.emitPlain(out, buf.slice(0, buf.length - keep));
      this.pending = buf.slice(buf.length - keep);
      return false;
    }
    this.emitPlain(out, buf.slice(0, at));
    const rest = buf.slice(at + marker.length);
    this.pending = '';
    if (marker === THINK_OPEN) {
      if (this.thinkAs === 'text') this.emitPlain(out, marker);
      this.mode = 'think';
    } else if (marker === THINK_CLOSE) {
      if (this.thinkAs === 'text') out.push({ type: 'text', text: marker });
      this.mode = 'text';
    } else if (marker === CLOSE) {
      // a stray close tag: never forwarded
    } else {
      this.heldInThink = this.mode === 'think';
      this.mode = marker === OPEN ? 'call' : marker === FENCE ? 'fence' : 'json';
      this.startHeld(marker);
      this.depth = marker === '{' || marker === '[' ? 1 : 0;
      this.quote = '';
      this.escaped = false;
    }
    this.pending = rest;
    return true;
  }

  /** At the very start, hold an identifier that may become `tool_name(`; switch to python mode when it does. */
  private startsLikePythonCall(buf: string, final: boolean): 'hold' | 'python' | 'no' {
    const m = /^\s*([A-Za-z_][\w.\-]*)(\s*\()?/.exec(buf);
    if (!m) return 'no';
    if (!m[2]) return !final && m[0].length === buf.length ? 'hold' : 'no'; // still typing the name
    if (!this.names.has(normalizeName(m[1]!))) return 'no';
    this.mode = 'python';
    this.startHeld('');
    this.depth = 0;
    this.quote = '';
    this.escaped = false;
    this.heldInThink = false;
    return 'python';
  }

  /**
   * Call/JSON/fence/python: consume until the segment closes; returns false when it needs more input.
   * Linear in the input: the held text grows by whole slices, and the close markers are matched on
   * a short rolling tail (endsWith on the growing string would flatten it at every character).
   */
  private stepHeld(out: SplitEvent[]): boolean {
    const buf = this.pending;
    for (let i = 0; i < buf.length; i++) {
      const ch = buf[i]!;
      if (this.mode === 'fence') {
        if (ch === '`' && this.heldLength + i + 1 > FENCE.length && this.endsWithAt(buf, i, FENCE)) return this.closeAt(out, buf, i);
        continue;
      }
      if (this.quote) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === this.quote) this.quote = '';
        continue;
      }
      if (ch === '"' || (this.mode === 'python' && ch === "'")) this.quote = ch;
      else if (this.mode === 'call') {
        if (ch === '>' && this.endsWithAt(buf, i, CLOSE)) return this.closeAt(out, buf, i);
      } else if ('{[('.includes(ch)) this.depth++;
      else if ('}])'.includes(ch)) {
        this.depth--;
        if (this.depth <= 0) return this.closeAt(out, buf, i);
      }
    }
    this.hold(buf);
    this.pending = '';
    return false;
  }

  /** Starts a new held segment with `text` (the marker that opened it). */
  private startHeld(text: string): void {
    this.heldParts = text ? [text] : [];
    this.heldLength = text.length;
    this.tail = text.slice(-CLOSE.length);
  }

  /** Appends consumed input to the held segment. */
  private hold(text: string): void {
    this.heldParts.push(text);
    this.heldLength += text.length;
    this.tail = (this.tail + text).slice(-CLOSE.length);
  }

  /** Whether the held segment followed by buf[0..i] ends with `marker` (buf first, then the held tail). */
  private endsWithAt(buf: string, i: number, marker: string): boolean {
    for (let k = 0; k < marker.length; k++) {
      const j = i - k;
      const ch = j >= 0 ? buf[j] : this.tail[this.tail.length + j];
      if (ch !== marker[marker.length - 1 - k]) return false;
    }
    return true;
  }

  private closeAt(out: SplitEvent[], buf: string, i: number): boolean {
    this.hold(buf.slice(0, i + 1));
    this.pending = buf.slice(i + 1);
    this.closeHeld(out, true);
    return true;
  }

  /** Decides what a finished (or cut-off) held segment was and emits it. */
  private closeHeld(out: SplitEvent[], complete: boolean): void {
    const raw = this.heldParts.join('');
    const inThink = this.heldInThink;
    const mode = this.mode;
    this.startHeld('');
    this.mode = inThink ? 'think' : 'text';
    if (raw === '') return;
    // anything holding a <tool_call> tag is treated as a call so the tag can never leak as text
    const isCall = mode === 'call' || mode === 'python' || raw.includes(OPEN) || this.isCallText(mode === 'fence' ? stripFence(raw) : raw);
    if (isCall) {
      this.segments.push({ raw, inThink });
      out.push({ type: 'call', raw, inThink, complete });
      this.atStart = false;
    } else this.emitPlain(out, raw);
  }

  private isCallText(text: string): boolean {
    const t = text.trim();
    if (this.names.size > 0 && looksLikePythonCall(t) && pythonCallNames(t).every((n) => this.names.has(normalizeName(n)))) return true;
    const parsed = parseLenient(t);
    if (!parsed.ok) return /"name"\s*:/.test(t); // a broken call is still a call: never leak it
    const values = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    return values.length > 0 && values.every((v) => callShaped(v, this.names));
  }
}

function callShaped(v: unknown, names: Set<string>): boolean {
  if (!isPlainObject(v)) return false;
  if (isPlainObject(v.function) && typeof v.function.name === 'string') return true;
  if (typeof v.name !== 'string') return false;
  return 'arguments' in v || 'parameters' in v || names.has(normalizeName(v.name));
}

function stripFence(raw: string): string {
  return raw.replace(/^```[\w-]*[ \t]*\n?/, '').replace(/```$/, '');
}

/** Length of the longest suffix of `buf` that is a proper prefix of some marker. */
function partialMarkerSuffix(buf: string, markers: string[]): number {
  let best = 0;
  for (const m of markers) {
    for (let k = Math.min(m.length - 1, buf.length); k > best; k--) {
      if (buf.endsWith(m.slice(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** Joins adjacent events of the same text kind so callers see few, larger chunks. */
function merge(events: SplitEvent[]): SplitEvent[] {
  const out: SplitEvent[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.type !== 'call' && last && last.type === e.type) (last as { text: string }).text += e.text;
    else if (e.type === 'call' || e.text !== '') out.push(e.type === 'call' ? e : { ...e });
  }
  return out;
}
