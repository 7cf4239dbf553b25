import { describe, expect, it } from 'vitest';
import { repairHistory } from '../../src/toolcalls/history-repair.js';

const assistant = (args: unknown) => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: args } }],
});

describe('repairHistory', () => {
  it('repairs malformed arguments and leaves everything else identical', () => {
    const messages = [
      { role: 'user', content: 'weather?' },
      assistant('{"city": "Paris",}'),
      { role: 'tool', tool_call_id: 'c1', content: '18C' },
      assistant('{"city": "Rome"}'),
      assistant("{'city': 'Oslo', 'exact': True}"),
      assistant({ city: 'Lima' }),
      assistant('"{\\"city\\": \\"Kyiv\\"}"'),
    ];
    const frozen = JSON.stringify(messages);
    const r = repairHistory(messages);
    expect(JSON.stringify(messages)).toBe(frozen); // input untouched
    expect(r.repaired).toBe(4);
    expect(r.unrecoverable).toBe(0);
    const args = r.messages
      .slice(1)
      .filter((m) => (m as { role: string }).role === 'assistant')
      .map((m) => (m as ReturnType<typeof assistant>).tool_calls[0]!.function.arguments);
    expect(args).toEqual([
      '{"city":"Paris"}',
      '{"city": "Rome"}',
      '{"city":"Oslo","exact":true}',
      '{"city":"Lima"}',
      '{"city":"Kyiv"}',
    ]);
    expect(r.messages[0]).toBe(messages[0]);
    expect(r.messages[3]).toBe(messages[3]);
  });

  it('counts what it cannot read and replaces it with an empty object', () => {
    const r = repairHistory([assistant('[1, 2'), assistant(42), assistant(null)]);
    expect(r.unrecoverable).toBe(2);
    expect(r.repaired).toBe(1);
    for (const m of r.messages)
      expect(JSON.parse((m as ReturnType<typeof assistant>).tool_calls[0]!.function.arguments as string)).toEqual({});
  });
});
