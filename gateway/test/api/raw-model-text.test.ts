import { describe, expect, it } from 'vitest';
import { rawModelText } from '../../src/toolcalls/index.js';
import { strictParse } from '../../src/toolcalls/index.js';

describe('rawModelText (capture rawOutput)', () => {
  it('writes parsed tool calls back as Qwen3 <tool_call> blocks after the content', () => {
    const text = rawModelText('Let me check.', [
      { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } },
    ]);
    expect(text).toBe('Let me check.\n<tool_call>\n{"name":"get_weather","arguments":{"city":"Paris"}}\n</tool_call>');
    expect(strictParse(text).calls).toEqual([{ name: 'get_weather', arguments: { city: 'Paris' } }]);
  });

  it('keeps plain content as it is, and unparseable arguments as the string the model wrote', () => {
    expect(rawModelText('<tool_call>\n{bad}\n</tool_call>', undefined)).toBe('<tool_call>\n{bad}\n</tool_call>');
    expect(rawModelText(null, [{ function: { name: 'f', arguments: '{city:' } }])).toBe(
      '<tool_call>\n{"name":"f","arguments":"{city:"}\n</tool_call>',
    );
  });
});
