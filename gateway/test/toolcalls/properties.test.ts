// Property tests: the engine never throws on arbitrary input, repair is idempotent, valid calls
// come back unchanged, no call vanishes, a call cut off anywhere is closed without changing a value
// or reported, a string with an invalid escape keeps every backslash, a call drafted in <think>
// and made after it is one call.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkToolCalls } from '../../src/toolcalls/check.js';
import { compileTools } from '../../src/toolcalls/compile-tools.js';
import { toOpenAIToolCalls } from '../../src/toolcalls/openai-shape.js';
import { ToolCallStreamSplitter } from '../../src/toolcalls/stream-splitter.js';
import { maskRegions, thinkRegions } from '../../src/toolcalls/think.js';
import type { ToolDef } from '../../src/toolcalls/types.js';
import { loadToolcallCorpus } from './corpus.js';

const TOOLS: ToolDef[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          days: { type: 'integer' },
          tags: { type: 'array', items: { type: 'string' } },
          exact: { type: 'boolean' },
        },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
  { type: 'function', function: { name: 'get_time' } },
];
const compiled = compileTools(TOOLS);
const tag = (name: string, args: unknown) => `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`;

const fragments = fc.constantFrom(
  '<tool_call>',
  '</tool_call>',
  '<think>',
  '</think>',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ':',
  ',',
  'name',
  'arguments',
  'parameters',
  'get_weather',
  'get_time(',
  ')',
  '```',
  '\\',
  'null',
  'True',
  '"city"',
  '5',
  '=',
);
const messy = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(fragments, { maxLength: 30 }).map((p) => p.join('')),
);

describe('engine properties', () => {
  it('never throws on arbitrary content, tool_calls or reasoning', () => {
    fc.assert(
      fc.property(messy, messy, fc.option(fc.string({ maxLength: 40 })), (content, args, name) => {
        const report = checkToolCalls(compiled, {
          content,
          reasoning_content: content,
          tool_calls: name === null ? null : [{ id: 'c', type: 'function', function: { name, arguments: args } }],
        });
        expect(['none', 'valid', 'repaired', 'invalid']).toContain(report.outcome);
        for (const c of report.calls) expect(() => JSON.parse(c.argumentsJson)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent: re-checking the repaired calls needs no further repair', () => {
    const corpus = loadToolcallCorpus().filter((c) => c.expected.outcome === 'repaired');
    const generated = messy.map((content) => ({ tools: TOOLS, content }));
    const fromCorpus = fc.constantFrom(...corpus).map((c) => ({
      tools: c.tools,
      content: c.output.content ?? '',
      tool_calls: c.output.tool_calls,
      reasoning_content: c.output.reasoning_content,
    }));
    fc.assert(
      fc.property(fc.oneof(fromCorpus, generated), (input) => {
        const first = checkToolCalls(input.tools, input);
        if (first.outcome !== 'repaired' && first.outcome !== 'valid') return;
        // what the gateway sends to the client, fed back in: nothing left to repair
        const wire = checkToolCalls(input.tools, { content: null, tool_calls: toOpenAIToolCalls(first.calls) });
        expect(wire.outcome).toBe('valid');
        expect(wire.calls.map((c) => [c.name, c.arguments])).toEqual(first.calls.map((c) => [c.name, c.arguments]));
        // and re-rendered as Qwen3 text: the same calls; only a literal </tool_call> inside a value stays labelled
        const again = checkToolCalls(input.tools, {
          content: first.calls.map((c) => tag(c.name, c.arguments)).join('\n'),
        });
        expect(again.calls.map((c) => [c.name, c.arguments])).toEqual(first.calls.map((c) => [c.name, c.arguments]));
        expect(again.repairs.filter((k) => k !== 'close_tag_in_string')).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns valid calls unchanged, in every wire format', () => {
    const args = fc.record(
      {
        city: fc.string({ maxLength: 30 }),
        unit: fc.constantFrom('celsius', 'fahrenheit'),
        days: fc.integer({ min: -1000, max: 1000 }),
        tags: fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
        exact: fc.boolean(),
      },
      { requiredKeys: ['city'] },
    );
    fc.assert(
      fc.property(args, fc.constantFrom('tag', 'parsed', 'think'), (a, form) => {
        const output =
          form === 'parsed'
            ? {
                content: null,
                tool_calls: [
                  { id: 'x', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(a) } },
                ],
              }
            : { content: (form === 'think' ? '<think>ok</think>\n' : '') + tag('get_weather', a) };
        const report = checkToolCalls(compiled, output);
        expect(report.outcome).toBe('valid');
        expect(report.repairs).toEqual([]);
        expect(report.calls).toHaveLength(1);
        expect(report.calls[0]!.arguments).toEqual(a);
        expect(JSON.parse(report.calls[0]!.argumentsJson)).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('never invents a missing required argument', () => {
    fc.assert(
      fc.property(fc.constantFrom('celsius', 'FAHRENHEIT'), fc.integer(), (unit, days) => {
        const report = checkToolCalls(compiled, { content: tag('get_weather', { unit, days: String(days) }) });
        expect(report.outcome).toBe('invalid');
        expect(report.errors).toContainEqual({
          tool: 'get_weather',
          pointer: '/city',
          message: 'missing required argument',
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never lets a call vanish: every <tool_call> opening yields a checked call, streamed or not', () => {
    const pieces = fc.constantFrom(
      '<tool_call>',
      '</tool_call>',
      '<think>',
      '</think>',
      '\n',
      ' ',
      'ok ',
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      '{"name": "get_weather", "arguments": {"city": "Paris"}}',
      '{"name": "get_time", "arguments": {}}',
      '{"name": "get_weather", "arguments": {"city": "Par',
      '"city": "Rome"',
      '```json\n',
      '```',
      'get_time()',
      '<tool_',
      'C:\\Users\\new',
      '\\',
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 24 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
        (parts, sizes) => {
          const content = parts.join('');
          const report = checkToolCalls(compiled, { content });
          const outside = maskRegions(content, thinkRegions(content), false).split('<tool_call>').length - 1;
          expect(report.calls.filter((c) => !c.fromThink).length).toBeGreaterThanOrEqual(outside);
          if (outside > 0) expect(report.outcome).not.toBe('none');
          if (report.outcome === 'valid' || report.outcome === 'repaired')
            expect(report.calls.every((c) => c.valid)).toBe(true);
          // streamed: what the splitter held back as a call outside <think> is a call in the verdict
          const splitter = new ToolCallStreamSplitter({ toolNames: ['get_weather', 'get_time'], think: 'text' });
          const events = [];
          for (let i = 0, k = 0; i < content.length; i += sizes[k++ % sizes.length]!)
            events.push(...splitter.push(content.slice(i, i + sizes[k % sizes.length]!)));
          events.push(...splitter.finish());
          expect(splitter.callOutput().content).toBe(content);
          for (const e of events) if (e.type === 'text') expect(e.text).not.toContain('<tool_call>');
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('closes a call cut off anywhere only where no value changes, or reports it invalid', () => {
    const NOTE: ToolDef[] = [
      {
        type: 'function',
        function: {
          name: 'save_note',
          parameters: {
            type: 'object',
            properties: {
              title: { type: 'string' },
              body: { type: 'string' },
              tags: { type: 'array', items: { type: 'string' } },
              pinned: { type: 'boolean' },
              priority: { type: 'integer' },
              meta: { type: 'object' },
            },
          },
        },
      },
    ];
    const text = fc.string({
      maxLength: 12,
      unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', '}', ']', ',', ':', 'é', '/'),
    });
    const args = fc.record(
      {
        title: text,
        body: text,
        tags: fc.array(text, { maxLength: 3 }),
        pinned: fc.boolean(),
        priority: fc.integer({ min: -50, max: 5000 }),
        meta: fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(text, fc.integer(), fc.constant(null))),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(args, fc.boolean(), fc.nat(), (a, spaced, at) => {
        const json = spaced
          ? JSON.stringify({ name: 'save_note', arguments: a }, null, 1)
          : JSON.stringify({ name: 'save_note', arguments: a });
        const full = `<tool_call>\n${json}\n</tool_call>`;
        const cut = full.slice(0, '<tool_call>'.length + (at % (full.length - '<tool_call>'.length + 1)));
        const report = checkToolCalls(NOTE, { content: cut });
        expect(report.calls.length).toBeGreaterThanOrEqual(1);
        if (report.outcome === 'invalid') return;
        expect(report.calls).toHaveLength(1);
        const got = report.calls[0]!.arguments;
        for (const [k, v] of Object.entries(got)) expect(v).toEqual((a as Record<string, unknown>)[k]);
        if (!cut.endsWith('</tool_call>')) expect(report.repairs).toContain('close_tag_missing');
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps every backslash of a string with an invalid escape, and valid escapes of a string without one', () => {
    const READ: ToolDef[] = [
      {
        type: 'function',
        function: {
          name: 'read_file',
          parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        },
      },
    ];
    // what a model writes between the quotes (no quote, never ending in a lone backslash)
    const written = fc
      .string({
        maxLength: 24,
        unit: fc.constantFrom('C', ':', '\\', 'U', 'n', 't', 'b', 'd', 'r', 'x', ' ', '.', '/', 'é'),
      })
      .filter((s) => !/(^|[^\\])(\\\\)*\\$/.test(s));
    const hasInvalidEscape = (s: string): boolean => {
      for (let i = 0; i < s.length; i++) {
        if (s[i] !== '\\') continue;
        if (!'\\/bfnrt"'.includes(s[i + 1] ?? '')) return true;
        i++;
      }
      return false;
    };
    fc.assert(
      fc.property(written, (w) => {
        const report = checkToolCalls(READ, {
          content: `<tool_call>\n{"name": "read_file", "arguments": {"path": "${w}"}}\n</tool_call>`,
        });
        expect(report.outcome).not.toBe('invalid');
        const path = report.calls[0]!.arguments.path;
        if (hasInvalidEscape(w)) {
          expect(path).toBe(w);
          expect(report.repairs).toContain('bad_escape');
        } else {
          expect(path).toBe(JSON.parse(`"${w}"`));
          expect(report.repairs).toEqual([]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('counts a call drafted in <think> and made after it once, streamed or not; different calls stay apart', () => {
    const city = fc.string({ minLength: 1, maxLength: 16 });
    const args = fc.record(
      { city, unit: fc.constantFrom('celsius', 'fahrenheit'), days: fc.integer({ min: 1, max: 14 }) },
      { requiredKeys: ['city'] },
    );
    const draftOf = (a: object, style: number) =>
      style === 0
        ? tag('get_weather', a)
        : style === 1
          ? `<tool_call>${JSON.stringify({ arguments: a, name: 'get_weather' })}</tool_call>`
          : `<tool_call>\n${JSON.stringify({ name: 'get_weather', arguments: a }, null, 2).replace(/\n}$/, ',\n}')}\n</tool_call>`;
    fc.assert(
      fc.property(
        args,
        args,
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 13 }),
        (a, b, style, closed, size) => {
          const same = `<think>\nDraft:\n${draftOf(a, style)}\n${closed ? '</think>\n\n' : 'Calling it.\n'}${tag('get_weather', a)}`;
          const two = `<think>\n${draftOf(a, style)}\nand\n${tag('get_weather', b)}`;
          for (const [content, expected] of [
            [same, [a]],
            [two, JSON.stringify(a) === JSON.stringify(b) ? [a] : [a, b]],
          ] as const) {
            const streamed = new ToolCallStreamSplitter({ toolNames: ['get_weather', 'get_time'] });
            for (let i = 0; i < content.length; i += size) streamed.push(content.slice(i, i + size));
            streamed.finish();
            for (const report of [
              checkToolCalls(compiled, { content }),
              checkToolCalls(compiled, streamed.callOutput()),
            ]) {
              expect(report.outcome).not.toBe('invalid');
              expect(report.calls.map((c) => c.arguments)).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
