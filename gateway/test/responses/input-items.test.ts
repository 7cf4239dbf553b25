// Responses items → chat messages, as vLLM's construct_chat_messages_with_tool_call does, plus
// MCP items and approvals: what the model is shown for each kind of item.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/api/errors.js';
import { itemsToMessages } from '../../src/responses/input-items.js';

describe('itemsToMessages', () => {
  it('renders messages, reasoning, function calls and their outputs as chat turns', () => {
    const messages = itemsToMessages(
      [
        { role: 'developer', content: 'Be brief.' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather in ' },
            { type: 'input_text', text: 'Paris?' },
          ],
        },
        { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Need the tool.' }] },
        { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'c2', name: 'get_time', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'noon' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Sunny at noon.' }] },
      ],
      'input',
    );
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        reasoning: 'Need the tool.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'c2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'c2', content: 'noon' },
      { role: 'assistant', content: 'Sunny at noon.' },
    ]);
  });

  it('turns MCP calls into calls and results, skips tool listings, and shows a denied approval as a refused call', () => {
    const messages = itemsToMessages(
      [
        { role: 'user', content: 'Forecast?' },
        { type: 'mcp_list_tools', id: 'mcpl_1', server_label: 'w', tools: [] },
        {
          type: 'mcp_call',
          id: 'mcp_1',
          server_label: 'w',
          name: 'get_forecast',
          arguments: '{"city":"Oslo"}',
          output: 'sunny',
          error: null,
        },
        {
          type: 'mcp_call',
          id: 'mcp_2',
          server_label: 'w',
          name: 'get_forecast',
          arguments: '{"city":"X"}',
          output: null,
          error: 'Unknown city',
        },
        {
          type: 'mcp_approval_request',
          id: 'mcpr_1',
          server_label: 'w',
          name: 'get_forecast',
          arguments: '{"city":"Rome"}',
        },
        {
          type: 'mcp_approval_request',
          id: 'mcpr_2',
          server_label: 'w',
          name: 'get_forecast',
          arguments: '{"city":"Lima"}',
        },
      ],
      'input',
      new Map([['mcpr_1', { approve: false, reason: 'not now' }]]),
    );
    expect(messages).toEqual([
      { role: 'user', content: 'Forecast?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'mcp_1', type: 'function', function: { name: 'get_forecast', arguments: '{"city":"Oslo"}' } },
          { id: 'mcp_2', type: 'function', function: { name: 'get_forecast', arguments: '{"city":"X"}' } },
          { id: 'mcpr_1', type: 'function', function: { name: 'get_forecast', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'mcp_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'mcp_2', content: 'Error: Unknown city' },
      { role: 'tool', tool_call_id: 'mcpr_1', content: 'The user did not approve this tool call: not now' },
    ]);
  });

  it('keeps images as chat image parts', () => {
    const [m] = itemsToMessages(
      [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AA==' },
          ],
        },
      ],
      'input',
    );
    expect(m).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
      ],
    });
  });

  it('refuses items it cannot render with a 400 naming the item', () => {
    const refused = (items: Record<string, unknown>[]) => {
      try {
        itemsToMessages(items, 'input');
      } catch (err) {
        return err as GatewayError;
      }
      throw new Error('not refused');
    };
    expect(refused([{ type: 'web_search_call', id: 'ws_1' }])).toMatchObject({ status: 400, param: 'input[0].type' });
    expect(
      refused([
        { role: 'user', content: 'x' },
        { role: 'robot', content: 'x' },
      ]),
    ).toMatchObject({ status: 400, param: 'input[1].role' });
    expect(refused([{ type: 'reasoning', encrypted_content: 'xyz', summary: [] }])).toMatchObject({ status: 400 });
    expect(refused([{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }])).toMatchObject({
      status: 400,
      param: 'input[0].content[0]',
    });
  });
});
