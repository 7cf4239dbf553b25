// Streaming splitter: an incremental state machine over assistant `content` deltas. It forwards
// text as soon as it cannot be the start of a tool call, and holds back only (a) the shortest
// suffix that may still grow into a marker (`<tool_`, a lone '`') and (b) segments that are, or
// may turn out to be, calls: `<tool_call>…</tool_call>`, fenced JSON, bare JSON objects, `[{…}]`
// arrays and — when tool names are known — a line that starts `tool_name(`. Segments are told apart
// from text with the same readers checkToolCalls uses (extract.ts), inside <think> as outside it,
// so the text a client sees is the content the whole-message check reports. <think> text is emitted
// as reasoning, as vLLM's qwen3 reasoning parser does. Raw call text is never emitted as text.
import {
  isPythonCallLine,
  partialMarkerAtEnd,
  PARTIAL_OPEN_MIN,
  readBare,
  readFence,
  type ExtractContext,
} from './extract.js';
import { NameResolver } from './resolve-name.js';
import type { AssistantOutput } from './types.js';

export type SplitEvent =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  /** A whole call segment (tags/fence included). `complete` is false when the stream ended inside it. */
  | { type: 'call'; raw: string; inThink: boolean; complete: boolean };

export interface SplitterOptions {
  /** Names of the request's tools: enables Python-call lines (`get_weather(city='Paris')`). */
  toolNames?: readonly string[];
  /**
   * The same names as a resolver already built (the request's compiled tools carry one): used
   * instead of `toolNames`, so a splitter per answer does not rebuild it.
   */
  resolver?: NameResolver;
  /** Hold bare `{…}` / `[{…}]` JSON until it is known whether it is a call (default true). */
  detectBareJson?: boolean;
  /** The prompt already opened <think> (Qwen3 thinking mode): the output starts as reasoning. */
  startInThink?: boolean;
  /** 'reasoning' (default): think text becomes reasoning events; 'text': forwarded verbatim as text. */
  think?: 'reasoning' | 'text';
}

type Mode = 'text' | 'think' | 'call' | 'json' | 'fence' | 'python';
type Found = { at: number; marker: string } | { holdFrom: number };

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';
const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';
const FENCE = '```';
const PYTHON = 'python';
/** A line that may be becoming `name(` or `[name(`: leading blanks, then the identifier so far. */
const PYTHON_HEAD = /^[ \t]*(\[?[ \t]*([A-Za-z_][\w.-]*)([ \t]*\()?)/;

export class ToolCallStreamSplitter {
  private mode: Mode;
  private pending = ''; // unprocessed input (text/think modes)
  private heldParts: string[] = []; // the segment being held (call/json/fence/python modes), in pieces
  private heldLength = 0;
  private tail = ''; // the held segment's last characters (before the current input), for close-marker matching
  private heldInThink = false;
  private depth = 0;
  private quote = '';
  private escaped = false;
  private prevSignificant = '';
  /** Only blanks, call segments or think text (as checkToolCalls masks them) on the current line so far. */
  private lineBlank = true;
  private lineBlankBeforeThink = true;
  private thinkHadNewline = false;
  /** A held line turned out not to be a Python call: do not take its start as one again. */
  private noPythonHere = false;
  private whole = '';
  private readonly ctx: ExtractContext;
  private readonly pythonLines: boolean;
  private readonly bare: boolean;
  private readonly thinkAs: 'reasoning' | 'text';

  constructor(opts: SplitterOptions = {}) {
    this.mode = opts.startInThink ? 'think' : 'text';
    this.whole = opts.startInThink ? THINK_OPEN : '';
    // the same name test checkToolCalls uses, so both sides agree on what a call is
    const resolver = opts.resolver ?? new NameResolver(opts.toolNames ?? []);
    this.ctx = { isToolName: (n) => resolver.has(n) };
    this.pythonLines = resolver.size > 0;
    this.bare = opts.detectBareJson ?? true;
    this.thinkAs = opts.think ?? 'reasoning';
  }

  push(delta: string): SplitEvent[] {
    const out: SplitEvent[] = [];
    this.whole += delta;
    this.pending += delta;
    this.run(out, false);
    return merge(out);
  }

  /** Flushes everything at the end of the stream; a segment cut off by the end is a call with `complete: false`. */
  finish(): SplitEvent[] {
    const out: SplitEvent[] = [];
    for (let guard = 0; guard < 16; guard++) {
      this.run(out, true);
      if (this.mode === 'text' || this.mode === 'think') break;
      this.closeHeld(out, false);
    }
    return merge(out);
  }

  /**
   * The whole content as streamed, for checkToolCalls: the verdict on a stream is the verdict on the
   * same text whole, so calls and outcome agree with the non-streamed answer by construction.
   */
  callOutput(): AssistantOutput {
    return { content: this.whole };
  }

  private emitPlain(out: SplitEvent[], text: string): void {
    if (text === '') return;
    if (this.mode === 'think' && this.thinkAs === 'reasoning') out.push({ type: 'reasoning', text });
    else out.push({ type: 'text', text });
    const nl = text.lastIndexOf('\n');
    if (nl >= 0) {
      this.lineBlank = text.slice(nl + 1).trim() === '';
      if (this.mode === 'think') this.thinkHadNewline = true;
    } else if (text.trim() !== '') this.lineBlank = false;
    this.noPythonHere = false;
  }

  /** A think marker, forwarded verbatim in 'text' mode; it is markup, not a line's content. */
  private emitMarker(out: SplitEvent[], marker: string): void {
    if (this.thinkAs === 'text') out.push({ type: 'text', text: marker });
  }

  private markers(): string[] {
    const m = [OPEN, CLOSE, THINK_CLOSE, FENCE];
    if (this.mode === 'text') m.push(THINK_OPEN);
    if (this.bare) m.push('{');
    return m;
  }

  private run(out: SplitEvent[], final: boolean): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (this.mode === 'text' || this.mode === 'think') {
        if (!this.stepPlain(out, final)) return;
      } else if (!this.stepHeld(out)) return;
    }
  }

  /** The first place in `buf` where a segment starts, or from which input must be held. */
  private nextMarker(buf: string, final: boolean): Found | null {
    let best: Found | null = null;
    const consider = (f: Found) => {
      const at = 'at' in f ? f.at : f.holdFrom;
      const bestAt = best === null ? Infinity : 'at' in best ? best.at : best.holdFrom;
      if (at < bestAt) best = f;
    };
    for (const m of this.markers()) {
      const i = buf.indexOf(m);
      if (i >= 0) consider({ at: i, marker: m });
    }
    // `[` opens a call array only when a `{` follows (Markdown links and citations stay text)
    if (this.bare) {
      for (let i = buf.indexOf('['); i >= 0; i = buf.indexOf('[', i + 1)) {
        const next = buf.slice(i + 1).search(/\S/);
        if (next < 0) {
          if (!final) consider({ holdFrom: i });
          break;
        }
        if (buf[i + 1 + next] === '{') {
          consider({ at: i, marker: '[' });
          break;
        }
      }
    }
    if (this.pythonLines) {
      const lineStarts = this.lineBlank && !this.noPythonHere ? [0] : [];
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', nl + 1)) lineStarts.push(nl + 1);
      for (const p of lineStarts) {
        const f = this.pythonAt(buf, p, final);
        if (f) {
          consider(f);
          break;
        }
      }
    }
    return best;
  }

  /** At a line start `p`: a Python call of a known tool begins here, or may still. */
  private pythonAt(buf: string, p: number, final: boolean): Found | null {
    const m = PYTHON_HEAD.exec(buf.slice(p));
    if (!m) return null;
    const start = p + m[0].length - m[1]!.length;
    if (m[3]) return this.ctx.isToolName(m[2]!) ? { at: start, marker: PYTHON } : null;
    // still typing the name, or blanks before a `(` that may come
    return !final && /^[ \t]*$/.test(buf.slice(p + m[0].length)) ? { holdFrom: start } : null;
  }

  /** Text/think: forward up to the next marker; returns false when it needs more input. */
  private stepPlain(out: SplitEvent[], final: boolean): boolean {
    const buf = this.pending;
    if (buf === '') return false;
    const found = this.nextMarker(buf, final);
    if (found === null || 'holdFrom' in found) {
      let keep = 0;
      if (found) keep = buf.length - found.holdFrom;
      else if (!final) keep = partialMarkerSuffix(buf, this.markers());
      // the output ended inside an opening tag: a call was starting, so it is reported, not shown
      const cut = final ? partialMarkerAtEnd(buf, OPEN, PARTIAL_OPEN_MIN) : 0;
      this.emitPlain(out, buf.slice(0, buf.length - Math.max(keep, cut)));
      if (cut > 0)
        out.push({ type: 'call', raw: buf.slice(buf.length - cut), inThink: this.mode === 'think', complete: false });
      this.pending = cut > 0 ? '' : buf.slice(buf.length - keep);
      return false;
    }
    const { at, marker } = found;
    this.emitPlain(out, buf.slice(0, at));
    this.pending = buf.slice(at + (marker === PYTHON ? 0 : marker.length));
    if (marker === THINK_OPEN) {
      this.emitMarker(out, marker);
      this.lineBlankBeforeThink = this.lineBlank;
      this.thinkHadNewline = false;
      this.lineBlank = false; // inside <think> the tag itself starts the line
      this.mode = 'think';
    } else if (marker === THINK_CLOSE) {
      this.emitMarker(out, marker);
      // outside <think> the whole region reads as blanks: the line is blank since its last newline
      const opened = this.mode === 'think';
      this.lineBlank = !opened || this.thinkHadNewline || this.lineBlankBeforeThink;
      this.mode = 'text';
    } else if (marker === CLOSE) {
      // a stray close tag: never forwarded
    } else {
      this.heldInThink = this.mode === 'think';
      this.mode = marker === OPEN ? 'call' : marker === FENCE ? 'fence' : marker === PYTHON ? 'python' : 'json';
      this.startHeld(marker === PYTHON ? '' : marker);
      this.depth = marker === '{' || marker === '[' ? 1 : 0;
      this.quote = '';
      this.escaped = false;
      this.prevSignificant = marker === '{' || marker === '[' ? marker : '';
    }
    return true;
  }

  /**
   * Call/JSON/fence/python: consume until the segment closes; returns false when it needs more input.
   * Linear in the input: the held text grows by whole slices, and a close marker is matched only at
   * its last character (endsWith on a string grown one character at a time flattens it each time).
   */
  private stepHeld(out: SplitEvent[]): boolean {
    const buf = this.pending;
    for (let i = 0; i < buf.length; i++) {
      const ch = buf[i]!;
      if (this.mode === 'python') {
        // Python calls are read line by line, as checkToolCalls does
        if (ch === '\n') return this.closeAt(out, buf, i - 1);
        continue;
      }
      if (this.mode === 'fence') {
        if (ch === '`' && this.heldLength + i + 1 > FENCE.length && this.endsWithAt(buf, i, FENCE))
          return this.closeAt(out, buf, i);
        continue;
      }
      if (this.quote) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === this.quote) {
          this.quote = '';
          this.prevSignificant = ch;
        }
        continue;
      }
      // strings as scanState() reads them: a single quote opens one only where a key or value may start
      if (ch === '"' || (ch === "'" && '{[,:'.includes(this.prevSignificant) && this.prevSignificant !== '')) {
        this.quote = ch;
        continue;
      }
      if (ch !== ' ' && ch !== '\n' && ch !== '\t' && ch !== '\r') this.prevSignificant = ch;
      if (this.mode === 'call') {
        if (ch === '>' && this.endsWithAt(buf, i, CLOSE)) return this.closeAt(out, buf, i);
      } else if (ch === '{' || ch === '[') this.depth++;
      else if (ch === '}' || ch === ']') {
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
    if (text === '') return;
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
    if (mode === 'python') {
      const line = raw.trimEnd();
      if (isPythonCallLine(line, this.ctx)) {
        out.push({ type: 'call', raw: line, inThink, complete: true });
        this.pending = raw.slice(line.length) + this.pending;
      } else {
        // not a call after all: read the line again as text (it may hold other markers)
        this.pending = raw + this.pending;
        this.noPythonHere = true;
      }
      return;
    }
    // anything holding a <tool_call> tag is treated as a call so the tag can never leak as text
    const isCall =
      mode === 'call' ||
      raw.includes(OPEN) ||
      (mode === 'fence' ? readFence(raw, !complete, this.ctx) : readBare(raw, !complete, this.ctx)).length > 0;
    if (isCall) out.push({ type: 'call', raw, inThink, complete });
    else this.emitPlain(out, raw);
  }
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
