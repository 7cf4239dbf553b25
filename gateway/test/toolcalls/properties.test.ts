// Property tests: the engine never throws on arbitrary input, repair is idempotent, valid calls
// come back unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkToolCalls } from '../../src/toolcalls/check.js';
import { compileTools } from '../../src/toolcalls/compile-tools.js';
import { toOpenAIToolCalls } from '../../src/toolcalls/openai-shape.js';
import type { ToolDef } from '../../src/toolcalls/types.js';
import { loadToolcallCorpus } from './corpus.js';

const TOOLS: ToolDef[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, exact: { type: 'boolean' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
  { type: 'function', function: { name: 'get_time' } },
];
const compiled = compileTools(TOOLS);
const tag = (name: string, args: unknown) => `<tool_call>\n${JSON.stringify({ name, arguments: args })}\n</tool_call>`;

const fragments = fc.constantFrom('<tool_call>', '</tool_call>', '<think>', '</think>', '{', '}', '[', ']', '"', "'", ':', ',', 'name', 'arguments', 'parameters', 'get_weather', 'get_time(', ')', '```', '\\', 'null', 'True', '"city"', '5', '=');
const messy = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fragments, { maxLength: 30 }).map((p) => p.join('')));

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
    const fromCorpus = fc.constantFrom(...corpus).map((c) => ({ tools: c.tools, content: c.output.content ?? '', tool_calls: c.output.tool_calls, reasoning_content: c.output.reasoning_content }));
    fc.assert(
      fc.property(fc.oneof(fromCorpus, generated), (input) => {
        const first = checkToolCalls(input.tools, input);
        if (first.outcome !== 'repaired' && first.outcome !== 'valid') return;
        // what the gateway sends to the client, fed back in: nothing left to repair
        const wire = checkToolCalls(input.tools, { content: null, tool_calls: toOpenAIToolCalls(first.calls) });
        expect(wire.outcome).toBe('valid');
        expect(wire.calls.map((c) => [c.name, c.arguments])).toEqual(first.calls.map((c) => [c.name, c.arguments]));
        // and re-rendered as Qwen3 text: the same calls; only a literal </tool_call> inside a value stays labelled
        const again = checkToolCalls(input.tools, { content: first.calls.map((c) => tag(c.name, c.arguments)).join('\n') });
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
            ? { content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(a) } }] }
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
        expect(report.errors).toContainEqual({ tool: 'get_weather', pointer: '/city', message: 'missing required argument' });
      }),
      { numRuns: 200 },
    );
  });
});
