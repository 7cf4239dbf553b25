// vLLM 0.33's qwen3 reasoning parser (`--reasoning-parser qwen3`), as the serving layer runs
// it: a ParserEngine (vllm/parser/qwen3.py qwen3_config) behind the reasoning adapter, which
// sets skip_tool_parsing (vllm/parser/engine/adapters.py), fed one token at a time
// (vllm/parser/engine/streaming_parser_engine.py, incremental_lexer.py, token_id_scanner.py).
// What that amounts to, reproduced here:
//   * with thinking on, output starts in reasoning: there is no content until </think> or a
//     <tool_call> (which ends reasoning implicitly and stays in the text); an output with
//     neither is reasoning only;
//   * <think> in reasoning and any </think> after it vanish; the <|...|> special tokens vanish;
//   * the lexer holds back text that may be the start of a marker ("<", "</t", "<|im_"...) until
//     the next token settles it, so a streamed reasoning delta can lag one token.
import { QWEN3_ADDED_TOKENS } from './tokenizer.js';

type State = 'reasoning' | 'content';
type Terminal =
  | 'THINK_START'
  | 'THINK_END'
  | 'TOOL_START'
  | 'TOOL_END'
  | 'FUNC_PREFIX'
  | 'FUNC_END'
  | 'PARAM_START'
  | 'PARAM_END'
  | 'CLOSE_ANGLE'
  | 'DROP';

const MARKERS: ReadonlyArray<[string, Terminal]> = [
  ['<think>', 'THINK_START'],
  ['</think>', 'THINK_END'],
  ['<tool_call>', 'TOOL_START'],
  ['</tool_call>', 'TOOL_END'],
  ['<function=', 'FUNC_PREFIX'],
  ['</function>', 'FUNC_END'],
  ['<parameter=', 'PARAM_START'],
  ['</parameter>', 'PARAM_END'],
  ['>', 'CLOSE_ANGLE'],
];
/** Special tokens the config does not name are dropped (streaming_parser_engine._build_drop_info). */
const LITERALS: ReadonlyArray<[string, Terminal]> = [
  ...MARKERS,
  ...QWEN3_ADDED_TOKENS.filter((t) => t.special).map((t): [string, Terminal] => [t.content, 'DROP']),
];
const LITERAL_BY_TEXT = new Map(LITERALS);
/** Matched by token id when streaming (token_id_terminals); drops too. */
const BY_TOKEN_ID = new Set<Terminal>(['THINK_START', 'THINK_END', 'TOOL_START', 'TOOL_END', 'DROP']);
const FIRST_CHARS = new Set(LITERALS.map(([lit]) => lit[0]!));
const PREFIXES = new Set(
  LITERALS.flatMap(([lit]) => Array.from({ length: lit.length - 1 }, (_, i) => lit.slice(0, i + 1))),
);

export interface ReasoningEvents {
  reasoning: string;
  content: string;
  /** Reasoning ended during this feed (</think>, or <tool_call> whose text is in `content`). */
  ended: boolean;
  /** Tokens counted as reasoning in this feed (usage.completion_tokens_details.reasoning_tokens). */
  reasoningTokens: number;
}

/** The token id terminal a piece is when it arrives as one token, if any. */
function tokenTerminal(piece: string): Terminal | undefined {
  const t = LITERAL_BY_TEXT.get(piece);
  return t && BY_TOKEN_ID.has(t) ? t : undefined;
}

/** StreamingParserEngine with the qwen3 config and skip_tool_parsing, fed token by token. */
export class Qwen3ReasoningEngine {
  private state: State;
  private buffer = '';
  /** Token counts per buffered character (a token counts at its first character). */
  private bufferCounts: number[] = [];
  private everHadTokenIds = false;

  constructor(thinking = true) {
    this.state = thinking ? 'reasoning' : 'content';
  }

  get reasoningEnded(): boolean {
    return this.state === 'content';
  }

  /** One engine step: the token's text, or '' for the stop token (its text is never decoded). */
  feed(piece: string, isToken = true): ReasoningEvents {
    const ev: ReasoningEvents = { reasoning: '', content: '', ended: false, reasoningTokens: 0 };
    if (isToken) this.everHadTokenIds = true;
    if (piece === '') return ev; // the stop token: deferred by the scanner, dropped at finish
    const terminal = isToken ? tokenTerminal(piece) : undefined;
    if (terminal) {
      this.drain(ev, true); // the scanner flushes the lexer before a pre-lexed terminal
      this.onTerminal(terminal, piece, 0, ev);
      return ev;
    }
    this.buffer += piece;
    this.bufferCounts.push(isToken ? 1 : 0, ...new Array<number>(piece.length - 1).fill(0));
    this.drain(ev, false);
    return ev;
  }

  /** End of output: held text is flushed; reasoning still open ends here. */
  finish(): ReasoningEvents {
    const ev: ReasoningEvents = { reasoning: '', content: '', ended: false, reasoningTokens: 0 };
    this.drain(ev, true);
    if (this.state === 'reasoning') {
      this.state = 'content';
      ev.ended = true;
    }
    return ev;
  }

  private emit(text: string, count: number, ev: ReasoningEvents): void {
    if (!text) return;
    if (this.state === 'reasoning') {
      ev.reasoning += text;
      ev.reasoningTokens += count;
    } else ev.content += text;
  }

  private onTerminal(terminal: Terminal, value: string, count: number, ev: ReasoningEvents): void {
    if (this.state === 'reasoning' && terminal === 'THINK_START') return; // swallowed
    if (terminal === 'THINK_END') {
      if (this.state === 'reasoning') {
        this.state = 'content';
        ev.ended = true;
      }
      return; // a </think> after reasoning ended is absorbed too
    }
    if (terminal === 'TOOL_START') {
      // A tool terminal that implicitly ends reasoning: REASONING_END then the text as content.
      if (this.state === 'reasoning') ev.ended = true;
      this.state = 'content';
      ev.content += value;
      return;
    }
    if (terminal === 'DROP') return;
    this.emit(value, count, ev); // other markup is plain text in skip-tool-parsing mode
  }

  private take(n: number): number {
    const c = this.bufferCounts.slice(0, n).reduce((a, b) => a + b, 0);
    this.bufferCounts = this.bufferCounts.slice(n);
    this.buffer = this.buffer.slice(n);
    return c;
  }

  /** IncrementalLexer._drain (+ flush when final); a text-matched id terminal is content once ids were seen. */
  private drain(ev: ReasoningEvents, final: boolean): void {
    while (this.buffer) {
      if (![...this.buffer].some((ch) => FIRST_CHARS.has(ch))) {
        const text = this.buffer;
        this.emit(text, this.take(text.length), ev);
        return;
      }
      let best: [string, Terminal] | undefined;
      for (const lit of LITERALS)
        if (this.buffer.startsWith(lit[0]) && (!best || lit[0].length > best[0].length)) best = lit;
      if (PREFIXES.has(this.buffer) && !final) {
        if (!best) return;
        const longer = LITERALS.some(([lit]) => lit.length > best[0].length && lit.startsWith(this.buffer));
        if (longer) return;
      }
      if (best) {
        const count = this.take(best[0].length);
        if (this.everHadTokenIds && BY_TOKEN_ID.has(best[1])) this.emit(best[0], count, ev);
        else this.onTerminal(best[1], best[0], count, ev);
        continue;
      }
      const end = this.contentBoundary();
      const text = this.buffer.slice(0, end);
      this.emit(text, this.take(end), ev);
    }
  }

  /** First position from 1 where a marker (or a prefix of one at the end) starts. */
  private contentBoundary(): number {
    const buf = this.buffer;
    for (let i = 1; i < buf.length; i++) {
      if (!FIRST_CHARS.has(buf[i]!)) continue;
      const rest = buf.length - i;
      for (const [lit] of LITERALS) {
        const n = Math.min(rest, lit.length);
        if (buf.slice(i, i + n) === lit.slice(0, n)) return i;
      }
    }
    return buf.length || 1;
  }
}

/**
 * Qwen3Parser.extract_reasoning for a whole answer: (reasoning, content), each null when empty.
 * With thinking off (chat_template_kwargs.enable_thinking false) the text is all content, untouched.
 */
export function extractQwen3Reasoning(
  text: string,
  thinking: boolean,
): { reasoning: string | null; content: string | null } {
  if (!thinking) return { reasoning: null, content: text };
  // The non-streaming pass lexes the whole text at once, without token ids (markers matched by text).
  const engine = new Qwen3ReasoningEngine(true);
  const a = engine.feed(text, false);
  const b = engine.finish();
  return { reasoning: a.reasoning + b.reasoning || null, content: a.content + b.content || null };
}

/** count_reasoning_tokens for a whole answer: the tokens the engine puts in reasoning. */
export function countQwen3ReasoningTokens(pieces: string[], thinking: boolean): number {
  if (!thinking) return 0;
  const engine = new Qwen3ReasoningEngine(true);
  let n = 0;
  for (const p of pieces) n += engine.feed(p).reasoningTokens;
  return n + engine.finish().reasoningTokens;
}
