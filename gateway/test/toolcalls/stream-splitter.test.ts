// The streaming splitter: forwards text at once, holds only possible call starts, never leaks call
// text, and agrees with the non-streaming engine whatever the chunking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkToolCalls } from '../../src/toolcalls/check.js';
import { compileTools } from '../../src/toolcalls/compile-tools.js';
import { ToolCallStreamSplitter, type SplitEvent, type SplitterOptions } from '../../src/toolcalls/stream-splitter.js';
import { loadToolcallCorpus } from './corpus.js';

function runChunks(
  chunks: string[],
  opts: SplitterOptions = {},
): { events: SplitEvent[]; splitter: ToolCallStreamSplitter } {
  const splitter = new ToolCallStreamSplitter(opts);
  const events: SplitEvent[] = [];
  for (const c of chunks) events.push(...splitter.push(c));
  events.push(...splitter.finish());
  return { events, splitter };
}
const textOf = (ev: SplitEvent[], type: 'text' | 'reasoning') =>
  ev
    .filter((e): e is Extract<SplitEvent, { type: typeof type }> => e.type === type)
    .map((e) => e.text)
    .join('');
const callsOf = (ev: SplitEvent[]) => ev.filter((e): e is Extract<SplitEvent, { type: 'call' }> => e.type === 'call');
const chunksOf = (s: string, sizes: number[]): string[] => {
  const out: string[] = [];
  let i = 0;
  for (let k = 0; i < s.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length] ?? 1);
    out.push(s.slice(i, i + n));
    i += n;
  }
  return out;
};

const CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';

describe('ToolCallStreamSplitter', () => {
  it('forwards plain text immediately and holds back only a partial marker', () => {
    const s = new ToolCallStreamSplitter();
    expect(s.push('Hello ')).toEqual([{ type: 'text', text: 'Hello ' }]);
    expect(s.push('world <tool_')).toEqual([{ type: 'text', text: 'world ' }]);
    expect(s.push('call>\n{"name": "x", "arguments": {}}')).toEqual([]);
    expect(s.push('\n</tool_call> done')).toEqual([
      {
        type: 'call',
        raw: '<tool_call>\n{"name": "x", "arguments": {}}\n</tool_call>',
        inThink: false,
        complete: true,
      },
      { type: 'text', text: ' done' },
    ]);
    expect(s.finish()).toEqual([]);
  });

  it('emits a held "<" that turned out to be text', () => {
    const s = new ToolCallStreamSplitter();
    expect(s.push('a <')).toEqual([{ type: 'text', text: 'a ' }]);
    expect(s.push('b')).toEqual([{ type: 'text', text: '<b' }]);
  });

  it('splits think as reasoning and keeps a call inside think marked', () => {
    const { events } = runChunks(['<think>I will call ', CALL.slice(0, 20), CALL.slice(20), '</think>', 'Answer.']);
    expect(textOf(events, 'reasoning')).toBe('I will call ');
    expect(textOf(events, 'text')).toBe('Answer.');
    expect(callsOf(events)).toEqual([{ type: 'call', raw: CALL, inThink: true, complete: true }]);
  });

  it('starts in think mode when the prompt opened <think>', () => {
    const { events } = runChunks(['plan', '</think>', 'Hi'], { startInThink: true });
    expect(textOf(events, 'reasoning')).toBe('plan');
    expect(textOf(events, 'text')).toBe('Hi');
  });

  it('does not take a </tool_call> inside a string value as the end', () => {
    const raw = '<tool_call>{"name":"s","arguments":{"q":"a</tool_call>b"}}</tool_call>';
    const { events } = runChunks(chunksOf(raw + ' ok', [3]));
    expect(callsOf(events).map((c) => c.raw)).toEqual([raw]);
    expect(textOf(events, 'text')).toBe(' ok');
  });

  it('holds bare and fenced JSON calls but releases JSON that is not a call', () => {
    const bare = '{"name": "get_weather", "arguments": {"city": "Rome"}}';
    expect(callsOf(runChunks(chunksOf(bare, [5])).events).map((c) => c.raw)).toEqual([bare]);
    const fenced = '```json\n' + bare + '\n```';
    expect(callsOf(runChunks(chunksOf('Here:\n' + fenced, [4])).events).map((c) => c.raw)).toEqual([fenced]);
    const prose = 'Config {"debug": true} and ```js\nlet x = 1;\n``` end';
    const r = runChunks(chunksOf(prose, [2]));
    expect(callsOf(r.events)).toEqual([]);
    expect(textOf(r.events, 'text')).toBe(prose);
  });

  it('detects a Python call at the start only for known tool names', () => {
    const py = "get_weather(city='Paris')";
    expect(callsOf(runChunks(chunksOf(py, [3]), { toolNames: ['get_weather'] }).events).map((c) => c.raw)).toEqual([
      py,
    ]);
    const prose = 'print(x) is Python';
    expect(textOf(runChunks(chunksOf(prose, [3]), { toolNames: ['get_weather'] }).events, 'text')).toBe(prose);
  });

  it('reads tool names from a resolver built once (the compiled tools) as from toolNames', () => {
    const resolver = compileTools([
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ]).resolver;
    const text = "Checking.\nget_weather(city='Oslo')\nprint(x) is Python\nGetWeather(city='Rome')";
    const named = runChunks(chunksOf(text, [3]), { toolNames: ['get_weather'] }).events;
    const resolved = runChunks(chunksOf(text, [3]), { resolver }).events;
    expect(callsOf(resolved).map((c) => c.raw)).toEqual(["get_weather(city='Oslo')", "GetWeather(city='Rome')"]);
    expect(resolved).toEqual(named);
    // an empty resolver, like no names at all: no Python-call lines
    const none = runChunks(chunksOf(text, [3]), { resolver: compileTools([]).resolver }).events;
    expect(callsOf(none)).toEqual([]);
  });

  it('flushes a truncated call on finish as an incomplete call, never as text', () => {
    const { events } = runChunks(['<tool_call>\n{"name": "get_weather", "argu']);
    expect(callsOf(events)).toEqual([
      { type: 'call', raw: '<tool_call>\n{"name": "get_weather", "argu', inThink: false, complete: false },
    ]);
    expect(textOf(events, 'text')).toBe('');
  });

  it('flushes a call cut off inside its opening tag as an incomplete call', () => {
    const { events } = runChunks(['Sure.\n', CALL, '\n<tool_', 'ca']);
    expect(textOf(events, 'text')).toBe('Sure.\n\n');
    expect(callsOf(events).map((c) => [c.raw, c.complete])).toEqual([
      [CALL, true],
      ['<tool_ca', false],
    ]);
  });

  it('holds a Python call on any line that starts with a tool name, and only a whole-line call', () => {
    const opts = { toolNames: ['get_weather'] };
    const r = runChunks(chunksOf("Checking.\nget_weather(city='Oslo')\nDone.", [3]), opts);
    expect(callsOf(r.events).map((c) => c.raw)).toEqual(["get_weather(city='Oslo')"]);
    expect(textOf(r.events, 'text')).toBe('Checking.\n\nDone.');
    const prose = "Try get_weather(city='Oslo') later.\nget_weather(city='Oslo') is how you'd call it.";
    expect(textOf(runChunks(chunksOf(prose, [4]), opts).events, 'text')).toBe(prose);
  });

  it('holds [{ arrays anywhere but forwards other brackets at once', () => {
    const s = new ToolCallStreamSplitter();
    expect(s.push('See [1] and [')).toEqual([{ type: 'text', text: 'See [1] and ' }]);
    expect(s.push('the docs](x) ')).toEqual([{ type: 'text', text: '[the docs](x) ' }]);
    expect(s.push('[ {"name": "get_time", "arguments": {}}]')).toEqual([
      { type: 'call', raw: '[ {"name": "get_time", "arguments": {}}]', inThink: false, complete: true },
    ]);
  });

  it('gives the whole-message verdict: callOutput is the content as streamed', () => {
    const content = '<think>\nDraft ' + CALL + '\n</think>\n\n' + CALL;
    const { splitter } = runChunks(chunksOf(content, [7]), { think: 'text' });
    expect(splitter.callOutput()).toEqual({ content });
    expect(new ToolCallStreamSplitter({ startInThink: true }).callOutput()).toEqual({ content: '<think>' });
  });

  // The gateway streams content through the splitter and checks callOutput() (plus any parsed
  // tool_calls and reasoning) at the end. Under named tool_choice it holds the whole content instead
  // (vLLM's guided output is the bare arguments object), so those cases are not streamed here.
  const streamable = loadToolcallCorpus().filter((c) => !(typeof c.tool_choice === 'object' && c.tool_choice !== null));
  const checkStreamed = (c: (typeof streamable)[number], chunks: string[]) => {
    const { events, splitter } = runChunks(chunks, { toolNames: c.tools.map((t) => t.function.name), think: 'text' });
    const content = typeof c.output.content === 'string' ? splitter.callOutput().content : c.output.content;
    const report = checkToolCalls(c.tools, { ...c.output, content }, { toolChoice: c.tool_choice });
    return { events, report };
  };
  const view = (r: ReturnType<typeof checkToolCalls>) => ({
    outcome: r.outcome,
    calls: r.calls.map((k) => ({
      name: k.name,
      arguments: k.arguments,
      valid: k.valid,
      repairs: k.repairs,
      fromThink: k.fromThink,
    })),
    repairs: r.repairs,
    errors: r.errors,
  });
  const trimmed = (s: string | null | undefined) => (s ?? '').trim() || null;

  it('has every corpus case but named tool_choice to stream', () => {
    expect(streamable.length).toBeGreaterThan(500);
  });

  it.each(streamable.map((c) => [c.id, c] as const))(
    'streams %s with the calls, content and verdict of the whole message, under any chunking',
    (_id, c) => {
      const content = c.output.content ?? '';
      const whole = checkToolCalls(c.tools, c.output, { toolChoice: c.tool_choice });
      // the chat template opened <think> in the prompt: segments before the orphan </think> were only
      // known to be reasoning once it arrived (the verdict, taken on the whole text, still knows)
      const close = content.indexOf('</think>');
      const orphanClose = close >= 0 && !content.slice(0, close).includes('<think>');
      const agrees = (chunks: string[]) => {
        const { events, report } = checkStreamed(c, chunks);
        const text = textOf(events, 'text');
        expect(view(report)).toEqual(view(whole));
        // the client's text is the content the whole-message check reports, and never call markup
        expect(trimmed(text)).toEqual(trimmed(whole.content));
        expect(text).not.toContain('<tool_call>');
        expect(text).not.toContain('</tool_call>');
        // every call segment held back outside <think> became (at least) one checked call
        const segments = callsOf(events).filter((e) => !e.inThink).length;
        if (!orphanClose) expect(report.calls.filter((k) => !k.fromThink).length).toBeGreaterThanOrEqual(segments);
      };
      agrees([...content]);
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, content.length - 1) }), { maxLength: 16 }),
          (points) => {
            const cuts = [0, ...[...points].sort((a, b) => a - b), content.length];
            agrees(
              cuts
                .slice(1)
                .map((end, i) => content.slice(cuts[i], end))
                .filter((x) => x !== ''),
            );
          },
        ),
        { numRuns: 8 },
      );
    },
  );

  it('never loses or duplicates input, for any text and chunking', () => {
    const alphabet = fc.constantFrom(
      '<tool_call>',
      '</tool_call>',
      '<think>',
      '</think>',
      '{',
      '}',
      '"',
      '```',
      '[',
      ']',
      'a',
      ' ',
      '\n',
      '<',
      'name',
      ':',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        (parts, sizes) => {
          const input = parts.join('');
          const { events } = runChunks(chunksOf(input, sizes), { think: 'text' });
          const rebuilt = events.map((e) => (e.type === 'call' ? e.raw : e.text)).join('');
          // stray </tool_call> tags are dropped on purpose; everything else comes back in order
          expect(rebuilt.length).toBeLessThanOrEqual(input.length);
          const strip = (s: string) => s.split('</tool_call>').join('');
          expect(strip(rebuilt)).toBe(strip(input));
          for (const e of events) if (e.type === 'text') expect(e.text).not.toContain('<tool_call>');
        },
      ),
      { numRuns: 1500 },
    );
  });
});
