// The request bodies of `npm run bench:peers`, one per scenario: the same POST goes to every
// target. `tool1`: one tool, non-stream; `stream16`: the same, streamed (the mock answers in 16
// SSE events); `tools30`: thirty tools in the request (schema compilation and canonical-prompt
// hashing scale with it), non-stream. The mock always answers get_weather({"city": "Paris",
// "unit": "celsius"}), which is valid against the schema below.
/** The model every target is asked for (the mock reports it in /v1/models). */
export const MOCK_MODEL = 'Qwen/Qwen3-0.6B';

export type Scenario = 'tool1' | 'stream16' | 'tools30';
export const SCENARIOS: readonly Scenario[] = ['tool1', 'stream16', 'tools30'];

/** The gateway cases profiled and compared across commits: checking off / on × scenario. */
export interface GatewayCase {
  name: string;
  scenario: Scenario;
  headers: Record<string, string>;
}
export const GATEWAY_CASES: readonly GatewayCase[] = [
  { name: 'off-tool1', scenario: 'tool1', headers: { 'x-toolgate-policy': 'off' } },
  { name: 'checked-tool1', scenario: 'tool1', headers: {} },
  { name: 'checked-stream16', scenario: 'stream16', headers: {} },
  { name: 'checked-tools30', scenario: 'tools30', headers: {} },
];

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city'],
    },
  },
};

/** 29 more tools with the kinds of schemas real tool sets have (nested objects, arrays, enums). */
function moreTools(): unknown[] {
  return Array.from({ length: 29 }, (_, i) => ({
    type: 'function',
    function: {
      name: `tool_${i}_${['search', 'lookup', 'create', 'update', 'delete'][i % 5]}`,
      description: `Tool number ${i}: does one thing to the records of kind ${i}.`,
      parameters: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'Record id' },
          limit: { type: 'integer', minimum: 1, maximum: 100 },
          filters: {
            type: 'array',
            items: {
              type: 'object',
              properties: { field: { type: 'string' }, value: { type: 'string' } },
              required: ['field', 'value'],
            },
          },
          mode: { type: 'string', enum: ['fast', 'exact', 'fuzzy'] },
          options: {
            type: 'object',
            properties: { dryRun: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } },
          },
        },
        required: i % 2 === 0 ? ['id'] : ['filters'],
      },
    },
  }));
}

const messages = [
  { role: 'system', content: 'You are a helpful assistant. Use the tools when they help answer the question.' },
  { role: 'user', content: 'What is the weather in Paris right now?' },
];

export function requestBody(scenario: Scenario): string {
  const tools = scenario === 'tools30' ? [weather, ...moreTools()] : [weather];
  return JSON.stringify({
    model: MOCK_MODEL,
    messages,
    tools,
    max_tokens: 64,
    ...(scenario === 'stream16' ? { stream: true } : {}),
  });
}
