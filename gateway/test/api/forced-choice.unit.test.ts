// The guided-decoding schema the gateway asks for when it serves a forced tool_choice, held to
// vLLM 0.33's own derivation (tool_parsers/utils.py `get_json_schema_from_tools`), the decision
// of who serves it (parse-mode.ts), and vLLM's reading of a guided answer (annotate policy).
import { describe, expect, it } from 'vitest';
import { clientConstrainsOutput, forcedChoiceSchema, guidedCalls } from '../../src/api/toolcalls/forced-choice.js';
import { parsePlan } from '../../src/api/toolcalls/parse-mode.js';
import type { ToolDef } from '../../src/toolcalls/index.js';

const weatherParams = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const tools: ToolDef[] = [
  { type: 'function', function: { name: 'get_weather', parameters: weatherParams } },
  { type: 'function', function: { name: 'ping', parameters: {} } },
];
const named = (name: string) => ({ type: 'function', function: { name } });

describe('forcedChoiceSchema (vLLM get_json_schema_from_tools)', () => {
  it('required: an array of {name, parameters}, one anyOf branch per tool; empty parameters constrain to an object', () => {
    expect(forcedChoiceSchema('required', tools, undefined)).toEqual({
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        anyOf: [
          {
            properties: { name: { type: 'string', enum: ['get_weather'] }, parameters: weatherParams },
            required: ['name', 'parameters'],
          },
          {
            properties: {
              name: { type: 'string', enum: ['ping'] },
              parameters: { type: 'object', properties: {} },
            },
            required: ['name', 'parameters'],
          },
        ],
      },
    });
  });

  it('required: only an explicit parallel_tool_calls false sets maxItems 1', () => {
    expect(forcedChoiceSchema('required', tools, false)).toMatchObject({ maxItems: 1 });
    expect(forcedChoiceSchema('required', tools, true)).not.toHaveProperty('maxItems');
    expect(forcedChoiceSchema('required', tools, null)).not.toHaveProperty('maxItems');
  });

  it("required: each tool's $defs move to the root (where #/$defs/… resolves), without touching the request", () => {
    const withDefs: ToolDef[] = [
      {
        type: 'function',
        function: {
          name: 'a',
          parameters: { type: 'object', properties: { p: { $ref: '#/$defs/P' } }, $defs: { P: { type: 'string' } } },
        },
      },
      {
        type: 'function',
        function: {
          name: 'b',
          parameters: { type: 'object', properties: { q: { $ref: '#/$defs/Q' } }, $defs: { Q: { type: 'integer' } } },
        },
      },
    ];
    const before = structuredClone(withDefs);
    const schema = forcedChoiceSchema('required', withDefs, undefined)!;
    expect(schema.$defs).toEqual({ P: { type: 'string' }, Q: { type: 'integer' } });
    const branches = (schema.items as { anyOf: Array<{ properties: { parameters: object } }> }).anyOf;
    expect(branches[0]!.properties.parameters).toEqual({ type: 'object', properties: { p: { $ref: '#/$defs/P' } } });
    expect(withDefs).toEqual(before);
  });

  it('required: tools whose $defs disagree get no schema (vLLM refuses them; the pod answers)', () => {
    const clash: ToolDef[] = ['a', 'b'].map((name, i) => ({
      type: 'function',
      function: { name, parameters: { type: 'object', $defs: { X: { type: i === 0 ? 'string' : 'integer' } } } },
    }));
    expect(forcedChoiceSchema('required', clash, undefined)).toBeNull();
  });

  it("named: the function's parameters schema itself; none for a function not among the tools", () => {
    expect(forcedChoiceSchema(named('get_weather'), tools, undefined)).toBe(weatherParams);
    expect(forcedChoiceSchema(named('ping'), tools, undefined)).toEqual({ type: 'object', properties: {} });
    expect(forcedChoiceSchema(named('nope'), tools, undefined)).toBeNull();
    expect(forcedChoiceSchema('auto', tools, undefined)).toBeNull();
    expect(forcedChoiceSchema('none', tools, undefined)).toBeNull();
  });
});

describe('clientConstrainsOutput', () => {
  it('response_format other than text, structured_outputs and guided_* are constraints', () => {
    expect(clientConstrainsOutput({})).toBe(false);
    expect(clientConstrainsOutput({ response_format: { type: 'text' } })).toBe(false);
    expect(clientConstrainsOutput({ response_format: { type: 'json_object' } })).toBe(true);
    expect(clientConstrainsOutput({ structured_outputs: { regex: 'a+' } })).toBe(true);
    expect(clientConstrainsOutput({ guided_json: { type: 'object' } })).toBe(true);
    expect(clientConstrainsOutput({ structured_outputs: null })).toBe(false);
  });
});

describe('parsePlan: who serves the tool_choice', () => {
  const noParser = { toolParsing: 'gateway' as const, toolParserMissing: true };
  const hermes = { toolParsing: 'gateway' as const, toolParserMissing: false };

  it('auto (or absent): the gateway parses raw text, whatever the pods', () => {
    for (const pool of [noParser, hermes]) {
      expect(parsePlan(pool, {}, tools)).toEqual({ parse: 'gateway', guided: null });
      expect(parsePlan(pool, { tool_choice: 'auto' }, tools)).toEqual({ parse: 'gateway', guided: null });
    }
  });

  it('a forced choice: guided JSON where the pods have no tool parser, the pod where they have one', () => {
    expect(parsePlan(noParser, { tool_choice: 'required' }, tools)).toEqual({
      parse: 'gateway',
      guided: forcedChoiceSchema('required', tools, undefined),
    });
    expect(parsePlan(noParser, { tool_choice: named('get_weather') }, tools).guided).toBe(weatherParams);
    expect(parsePlan(hermes, { tool_choice: 'required' }, tools)).toEqual({ parse: 'pod', guided: null });
  });

  it("the client's own output constraint, toolParsing pod, or none: left to the pod", () => {
    expect(
      parsePlan(noParser, { tool_choice: 'required', response_format: { type: 'json_object' } }, tools).parse,
    ).toBe('pod');
    expect(parsePlan({ toolParsing: 'pod', toolParserMissing: true }, { tool_choice: 'required' }, tools).parse).toBe(
      'pod',
    );
    expect(parsePlan(noParser, { tool_choice: 'none' }, tools).parse).toBe('pod');
  });
});

describe('guidedCalls (vLLM DelegatingParser._extract_tool_calls, JSON path)', () => {
  it('required: a JSON array of {name, parameters}; anything else is no call', () => {
    const calls = guidedCalls(
      '[{"name": "get_weather", "parameters": {"city": "Paris"}}, {"name": "ping"}]',
      'required',
    );
    expect(calls.map((c) => [c.function.name, c.function.arguments])).toEqual([
      ['get_weather', '{"city":"Paris"}'],
      ['ping', 'null'],
    ]);
    expect(guidedCalls('[{"name": "get_weather", "parameters": {"city": "Pa', 'required')).toEqual([]);
    expect(guidedCalls('{"name": "get_weather"}', 'required')).toEqual([]);
    expect(guidedCalls('[{"name": "x", "parameters": [1]}]', 'required')).toEqual([]);
  });

  it('named: non-blank content is the arguments as written', () => {
    const [call] = guidedCalls('{"city": "Paris"}', named('get_weather'));
    expect(call!.function).toEqual({ name: 'get_weather', arguments: '{"city": "Paris"}' });
    expect(guidedCalls('  ', named('get_weather'))).toEqual([]);
  });
});
