import { describe, expect, it } from 'vitest';
import { extractHermesToolCalls } from '../../src/sim/hermes-parser.js';
import { pyFloatRepr, pyJsonDumps, pyJsonLoads } from '../../src/sim/py-json.js';

describe('python json compatibility', () => {
  it('dumps with Python separators, keeps key order, ints vs floats and non-ASCII', () => {
    expect(pyJsonDumps(pyJsonLoads('{"b": 1, "1": 2.0, "a": [1e2, 0.5, "é\\n"]}'))).toBe(
      '{"b": 1, "1": 2.0, "a": [100.0, 0.5, "é\\n"]}',
    );
  });
  it('formats floats like repr()', () => {
    expect([1e16, 1.5e-5, 123, 0.0001, -0, 1e21, 3.14].map(pyFloatRepr)).toEqual([
      '1e+16',
      '1.5e-05',
      '123.0',
      '0.0001',
      '-0.0',
      '1e+21',
      '3.14',
    ]);
  });
  it('rejects what json.loads rejects', () => {
    for (const bad of ['{"a": 1,}', "{'a': 1}", '{a: 1}', '{"a": "\\q"}', '{"a": 1} {"b": 2}', '{"a": "x\ny"}', '']) {
      expect(() => pyJsonLoads(bad), bad).toThrow();
    }
    expect(pyJsonLoads('NaN')).toBeNaN();
  });
});

describe('Hermes2ProToolParser (non-streaming)', () => {
  const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n</tool_call>';

  it('extracts calls, re-serialises arguments, keeps text before the first tag as content', () => {
    const r = extractHermesToolCalls(`Let me check.\n${call}\n${call}`);
    expect(r.toolsCalled).toBe(true);
    expect(r.content).toBe('Let me check.\n');
    expect(r.toolCalls).toEqual([
      { name: 'get_weather', arguments: '{"city": "Paris", "days": 3}' },
      { name: 'get_weather', arguments: '{"city": "Paris", "days": 3}' },
    ]);
  });

  it('content is null when the output starts with the tag; no tag → all content', () => {
    expect(extractHermesToolCalls(call).content).toBeNull();
    expect(extractHermesToolCalls('just text')).toEqual({ toolsCalled: false, toolCalls: [], content: 'just text' });
  });

  it('is all-or-nothing: one bad block returns the whole output as content', () => {
    const out = `${call}\n<tool_call>\n{"name": "x", "arguments": {'a': 1}}\n</tool_call>`;
    expect(extractHermesToolCalls(out)).toEqual({ toolsCalled: false, toolCalls: [], content: out });
    for (const body of [
      '{"name": "x", "parameters": {}}',
      '[{"name": "x", "arguments": {}}]',
      '{"name": 5, "arguments": {}}',
      '"str"',
      '',
    ]) {
      const o = `<tool_call>\n${body}\n</tool_call>`;
      expect(extractHermesToolCalls(o).toolsCalled, body).toBe(false);
    }
  });

  it('accepts an unclosed final block and arguments: null (as vLLM does)', () => {
    expect(extractHermesToolCalls('<tool_call>\n{"name": "f", "arguments": {}}\n').toolCalls).toEqual([
      { name: 'f', arguments: '{}' },
    ]);
    expect(extractHermesToolCalls('<tool_call>{"name": "f", "arguments": null}</tool_call>').toolCalls).toEqual([
      { name: 'f', arguments: 'null' },
    ]);
  });

  it('a </tool_call> inside a string value cuts the block and breaks the parse', () => {
    const o = '<tool_call>\n{"name": "f", "arguments": {"s": "a </tool_call> b"}}\n</tool_call>';
    expect(extractHermesToolCalls(o).toolsCalled).toBe(false);
  });
});
