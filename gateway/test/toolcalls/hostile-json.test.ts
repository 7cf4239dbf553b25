// Hostile JSON against the engine (issue 18 findings 1 and 2): nesting deeper than the limit is
// refused or reported invalid wherever user JSON enters — never a stack overflow — and
// `__proto__`, `constructor`, `prototype` stay ordinary argument names, so a call cannot pass
// validation through an inherited value.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ToolInputError } from '../../src/toolcalls/errors.js';
import { checkToolCalls, parseScoreRequest, repairHistory, scoreOutput } from '../../src/toolcalls/index.js';
import { parseLenient } from '../../src/toolcalls/json-text.js';
import {
  MAX_JSON_DEPTH,
  canonicalJson,
  jsonTextDepth,
  nestsDeeperThan,
  parseJson,
  setOwn,
  withFields,
  valueDepth,
} from '../../src/toolcalls/safe-json.js';

const weather = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const tag = (call: string) => `<tool_call>\n${call}\n</tool_call>`;

/** The depth scan's definition, one UTF-16 unit at a time (the faster scan is checked against it). */
function depthByChars(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '"') break;
      }
    } else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return max;
}

describe('nesting depth', () => {
  it('the scan and the openers shortcut agree with the char-by-char definition on any text', () => {
    const lenient = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ' ', "'"), maxLength: 80 });
    const json = fc.json({ maxDepth: 12 });
    fc.assert(
      fc.property(fc.oneof(lenient, json), fc.integer({ min: 0, max: 8 }), (text, limit) => {
        const depth = depthByChars(text);
        expect(jsonTextDepth(text)).toBe(depth);
        expect(nestsDeeperThan(text, limit)).toBe(depth > limit);
      }),
      { numRuns: 3000 },
    );
  });

  it('measures depth on the text, skipping strings and escapes', () => {
    expect(jsonTextDepth('{"a": [1, {"b": "[[[[\\"]]"}]}')).toBe(3);
    expect(jsonTextDepth(deep(5000))).toBe(5000);
    expect(jsonTextDepth(deep(5000), 64)).toBe(65); // stops early
    expect(() => parseJson(deep(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJson(deep(MAX_JSON_DEPTH + 1))).toThrow(/deeper than 64/);
    expect(valueDepth(JSON.parse(deep(70)))).toBe(70);
  });

  it('model output nesting 5,000 levels deep is an invalid call, not a crash (probe shape)', () => {
    for (const raw of [
      tag(`{"name":"get_weather","arguments":{"city":${deep(5000)}}}`),
      tag(`{"name":"get_weather","arguments":{"city":${deep(5000)}}`),
      tag(`{name: 'get_weather', arguments: {city: ${deep(5000)}}}`),
    ]) {
      const r = checkToolCalls(weather, { content: raw });
      expect(r.outcome).toBe('invalid');
      expect(r.errors[0]!.message).toMatch(/nests deeper than 64 levels/);
    }
    // parsed tool_calls with deep string arguments, and deep JSON inside a string argument
    const viaToolCalls = checkToolCalls(weather, {
      tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: `{"city":${deep(5000)}}` } }],
    });
    expect(viaToolCalls.outcome).toBe('invalid');
    const objTools = [
      {
        type: 'function',
        function: { name: 'f', parameters: { type: 'object', properties: { o: { type: 'object' } } } },
      },
    ];
    const nested = checkToolCalls(objTools, {
      content: tag(JSON.stringify({ name: 'f', arguments: { o: `{"a":${deep(5000)}}` } })),
    });
    expect(nested.calls[0]!.arguments.o).toBe(`{"a":${deep(5000)}}`); // left as the string it was: not parsed past the limit
    expect(parseLenient(`{"a": ${deep(100_000)}`).error).toMatch(/nests deeper/);
  });

  it('score input nesting 5,000 levels deep scores (invalid), and the reference is depth-checked at read', () => {
    const r = scoreOutput(
      parseScoreRequest({ tools: weather, raw: tag(`{"name":"get_weather","arguments":{"city":${deep(5000)}}}`) }),
    );
    expect(r.parse.ok).toBe(false);
    expect(r.parse.error).toMatch(/deeper than 64/);
    expect(r.gateway.outcome).toBe('invalid');
  });

  it('history arguments nesting deeper than the limit are a 400 naming the argument', () => {
    const history = (args: string) => [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: args } }],
      },
    ];
    for (const args of [`{"city":${deep(5000)}}`, `{"city":${deep(5000)}`]) {
      let err: unknown;
      try {
        repairHistory([{ role: 'user', content: 'hi' }, ...history(args)]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ToolInputError);
      expect((err as ToolInputError).code).toBe('json_too_deep');
      expect((err as ToolInputError).param).toBe('messages[1].tool_calls[0].function.arguments');
    }
    expect(repairHistory(history(`{"city":${deep(10)}}`)).repaired).toBe(0);
  });

  it('canonical JSON is iterative: 100,000 levels serialize, and it matches the recursive definition', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(canonicalJson(v).length).toBe(200_001);
    const recursive = (x: unknown): string => {
      if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'null';
      if (Array.isArray(x)) return `[${x.map(recursive).join(',')}]`;
      const o = x as Record<string, unknown>;
      return `{${Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${recursive(o[k])}`)
        .join(',')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (x) => canonicalJson(x) === recursive(x)),
      { numRuns: 500 },
    );
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":[1,{"z":2,"y":null}]}}'))).toBe(
      '{"__proto__":{"x":[1,{"y":null,"z":2}]},"b":1}',
    );
  });
});

describe('__proto__, constructor and prototype stay own keys', () => {
  const probe = tag('{"name":"get_weather","arguments":{"__proto__":{"city":"Paris"}}}');

  it('the probe output is invalid (city missing) and the key is kept, not swallowed', () => {
    const r = checkToolCalls(weather, { content: probe });
    expect(r.outcome).toBe('invalid');
    expect(r.errors).toEqual([{ tool: 'get_weather', pointer: '/city', message: 'missing required argument' }]);
    expect(r.calls[0]!.argumentsJson).toBe('{"__proto__":{"city":"Paris"}}');
    expect(Object.getPrototypeOf(r.calls[0]!.arguments)).toBe(Object.prototype);
    expect(Object.keys(r.calls[0]!.arguments)).toEqual(['__proto__']);
  });

  it('the same through parsed tool_calls, Python call syntax, repaired JSON and a string argument', () => {
    const outputs = [
      {
        tool_calls: [
          { type: 'function', function: { name: 'get_weather', arguments: '{"__proto__": {"city": "Paris"}}' } },
        ],
      },
      { content: tag("get_weather(__proto__={'city': 'Paris'})") },
      { content: tag("{'name': 'get_weather', 'arguments': {'__proto__': {'city': 'Paris'},}}") },
      { content: tag('{"name":"get_weather","arguments":"{\\"__proto__\\":{\\"city\\":\\"Paris\\"}}"}') },
    ];
    for (const output of outputs) {
      const r = checkToolCalls(weather, output);
      expect(r.outcome, JSON.stringify(output)).toBe('invalid');
      expect(r.calls[0]!.argumentsJson).toContain('__proto__');
    }
  });

  it('an inherited name never satisfies `required`; declared names validate as own keys', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'f',
          parameters: {
            type: 'object',
            properties: { constructor: { type: 'string' }, prototype: { type: 'integer' } },
            required: ['constructor', 'prototype'],
          },
        },
      },
    ];
    expect(checkToolCalls(tools, { content: tag('{"name":"f","arguments":{}}') }).errors.map((e) => e.pointer)).toEqual(
      ['/constructor', '/prototype'],
    );
    const ok = checkToolCalls(tools, { content: tag('{"name":"f","arguments":{"constructor":"x","prototype":"3"}}') });
    expect(ok.outcome).toBe('repaired');
    expect(ok.calls[0]!.arguments).toEqual({ constructor: 'x', prototype: 3 });
    const closed = [
      {
        type: 'function',
        function: {
          name: 'g',
          parameters: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
        },
      },
    ];
    const dropped = checkToolCalls(closed, { content: tag('{"name":"g","arguments":{"__proto__":{"a":"x"}}}') });
    expect(dropped.repairs).toContain('drop_unknown_argument');
    expect(dropped.calls[0]!.argumentsJson).toBe('{}');
    expect(({} as Record<string, unknown>).a).toBeUndefined(); // nothing leaked into Object.prototype
  });

  it('score reports the probe invalid on both the strict and the gateway side', () => {
    const r = scoreOutput(parseScoreRequest({ tools: weather, raw: probe }));
    expect(r.schema.ok).toBe(false);
    expect(r.gateway.outcome).toBe('invalid');
    expect(r.gateway.calls[0]!.arguments).toEqual(JSON.parse('{"__proto__":{"city":"Paris"}}'));
  });

  it('setOwn writes __proto__ as data', () => {
    const o: Record<string, unknown> = {};
    setOwn(o, '__proto__', { x: 1 });
    expect(JSON.stringify(o)).toBe('{"__proto__":{"x":1}}');
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });

  it('withFields copies like a spread: same keys and order, overrides in place, __proto__ as data', () => {
    const src = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":2}') as Record<string, unknown>;
    const out = withFields(src, { b: 3, c: undefined, d: 4 });
    expect(Object.keys(out)).toEqual(Object.keys({ ...src, b: 3, c: undefined, d: 4 }));
    expect(JSON.stringify(out)).toBe(JSON.stringify({ ...src, b: 3, c: undefined, d: 4 }));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(src.b).toBe(2); // the source is not touched
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (a, b) => {
        expect(JSON.stringify(withFields(a, b))).toBe(JSON.stringify({ ...a, ...b }));
      }),
    );
  });
});
