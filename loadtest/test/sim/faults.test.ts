import { describe, expect, it } from 'vitest';
import {
  applyOutputFault,
  chooseFault,
  FAULT_PRESETS,
  planOutput,
  resolveFaultProfile,
  TOOL_CALL_FAULTS,
} from '../../src/sim/faults.js';
import { extractHermesToolCalls } from '../../src/sim/hermes-parser.js';
import { generateAssistantOutput, type GenerationRequest } from '../../src/sim/output-generator.js';

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string' },
          days: { type: 'integer' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['city', 'days', 'unit'],
      },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'send_email',
      description: 'Send an email message',
      parameters: { type: 'object', properties: { to: { type: 'string', format: 'email' } }, required: ['to'] },
    },
  },
];
const req = (q: string): GenerationRequest => ({ messages: [{ role: 'user', content: q }], tools });

describe('generateAssistantOutput', () => {
  it('picks the tool with most word overlap and synthesises schema arguments', () => {
    const out = generateAssistantOutput(req('What is the weather in Paris?'), 0);
    expect(out.kind).toBe('tool_call');
    expect(out.toolName).toBe('get_weather');
    expect(out.arguments).toEqual({ city: 'Paris', days: 1, unit: 'celsius' });
    expect(extractHermesToolCalls(out.text).toolCalls).toEqual([
      { name: 'get_weather', arguments: '{"city": "Paris", "days": 1, "unit": "celsius"}' },
    ]);
    expect(generateAssistantOutput(req('please send an email to Bob'), 0).toolName).toBe('send_email');
  });
  it('honours tool_choice none / required / named and answers in prose after a tool result', () => {
    // Under "none" vLLM still renders the tools, so the model writes a call as under auto (unparsed).
    expect(generateAssistantOutput({ ...req('weather?'), tool_choice: 'none' }).kind).toBe('tool_call');
    expect(generateAssistantOutput({ ...req('weather?'), tools: [], tool_choice: 'none' }).kind).toBe('text');
    // vLLM 0.33 constrains required/named choices to hermes <tool_call> blocks (structural tags).
    expect(generateAssistantOutput({ ...req('weather in Oslo'), tool_choice: 'required' })).toMatchObject({
      kind: 'tool_call',
      constrained: true,
      text: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo", "days": 1, "unit": "celsius"}}\n</tool_call>',
    });
    const named = generateAssistantOutput({
      ...req('hi'),
      tool_choice: { type: 'function', function: { name: 'send_email' } },
    });
    expect(named).toMatchObject({
      kind: 'tool_call',
      constrained: true,
      toolName: 'send_email',
      text: '<tool_call>\n{"name": "send_email", "arguments": {"to": "user@example.com"}}\n</tool_call>',
    });
    const after = generateAssistantOutput({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'tool', content: '{"t": 20}' },
      ],
      tools,
    });
    expect(after.kind).toBe('text');
  });
});

describe('faults', () => {
  const correct = generateAssistantOutput(req('What is the weather in Paris?'), 0);
  const parseOk = new Set([
    'call_only_in_think',
    'duplicate_in_think',
    'missing_close_tag',
    'arguments_as_string',
    'prose_around',
    'type_drift',
    'invented_argument',
    'missing_argument',
    'near_miss_name',
    'arguments_null',
  ]);

  it('every tool-call fault changes the output, and hermes parses exactly the ones vLLM would', () => {
    for (const f of TOOL_CALL_FAULTS) {
      const { text } = applyOutputFault(f, correct, req('What is the weather in Paris?'));
      expect(text, f).not.toBe(correct.text);
      const parsed = extractHermesToolCalls(text);
      expect(parsed.toolsCalled, `${f}: ${text}`).toBe(parseOk.has(f));
    }
  });

  it('duplicate_in_think yields two calls; call_only_in_think one; near-miss renames', () => {
    const r = req('What is the weather in Paris?');
    expect(extractHermesToolCalls(applyOutputFault('duplicate_in_think', correct, r).text).toolCalls).toHaveLength(2);
    expect(extractHermesToolCalls(applyOutputFault('near_miss_name', correct, r).text).toolCalls[0]!.name).toBe(
      'get.weather',
    );
  });

  it('the choice is a pure function of (seed, messages+tools), not of call order', () => {
    const profile = resolveFaultProfile({ rates: { bare_json: 0.3, http_500: 0.2 } });
    const reqs = Array.from({ length: 200 }, (_, i) => req(`weather in City${i}`));
    const first = reqs.map((r) => chooseFault(profile, 7, r, generateAssistantOutput(r, 7)));
    const second = [...reqs]
      .reverse()
      .map((r) => chooseFault(profile, 7, r, generateAssistantOutput(r, 7)))
      .reverse();
    expect(second).toEqual(first);
    const bare = first.filter((f) => f === 'bare_json').length;
    const h500 = first.filter((f) => f === 'http_500').length;
    expect(bare).toBeGreaterThan(35);
    expect(bare).toBeLessThan(85);
    expect(h500).toBeGreaterThan(20);
    expect(h500).toBeLessThan(65);
    const otherSeed = reqs.map((r) => chooseFault(profile, 8, r, generateAssistantOutput(r, 8)));
    expect(otherSeed).not.toEqual(first);
  });

  it('presets and validation', () => {
    expect(FAULT_PRESETS['qwen3-0.6b-typical']).toBeDefined();
    expect(() => resolveFaultProfile('nope')).toThrow(/unknown fault preset/);
    expect(() => resolveFaultProfile({ rates: { bare_json: 0.8, http_500: 0.5 } })).toThrow(/sum/);
    expect(() => resolveFaultProfile({ rates: { made_up: 0.1 } as never })).toThrow(/unknown fault/);
    const p = planOutput(req('weather in Rome'), 0, resolveFaultProfile({ rates: { bare_json: 1 } }));
    expect(p.fault).toBe('bare_json');
    expect(p.text.startsWith('{"name": "get_weather"')).toBe(true);
  });
});
