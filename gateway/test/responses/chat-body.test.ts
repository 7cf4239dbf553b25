// A Responses request as the chat body of one model call: which field becomes which, what
// passes through untouched, and the 400s for what cannot be translated.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/api/errors.js';
import { chatBody, toolsAndChoice } from '../../src/responses/chat-body.js';
import { readResponsesRequest } from '../../src/responses/request.js';
import type { OfferedTool } from '../../src/mcp/offer.js';

const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: true,
};
const chatWeather = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: weather.parameters, strict: true },
};
const forecast = { type: 'function', function: { name: 'get_forecast', parameters: { type: 'object' } } };
const offered = new Map([['get_forecast', { server: { serverLabel: 'wx' } } as unknown as OfferedTool]]);

const refusal = (fn: () => unknown): GatewayError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('not refused');
};

describe('Responses request → chat body', () => {
  it('maps the fields the gateway interprets and passes the others through', () => {
    const req = readResponsesRequest({
      model: 'm',
      input: 'hi',
      instructions: 'Be brief.',
      stream: true,
      tools: [weather],
      tool_choice: 'required',
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low' },
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u1',
      metadata: { a: '1' },
      store: false,
      top_k: 20,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(req.store).toBe(false);
    expect(req.input).toEqual([{ type: 'message', role: 'user', content: 'hi' }]);
    const { tools, toolChoice } = toolsAndChoice(req, [], new Map());
    const body = chatBody(req, [{ role: 'user', content: 'hi' }], tools, toolChoice, 50);
    expect(body).toEqual({
      top_k: 20,
      chat_template_kwargs: { enable_thinking: false },
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      tools: [chatWeather],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u1',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      reasoning_effort: 'low',
    });
  });

  it('translates each tool_choice form, MCP ones included', () => {
    const base = { model: 'm', input: 'x', tools: [weather] };
    const choose = (tool_choice: unknown) =>
      toolsAndChoice(readResponsesRequest({ ...base, tool_choice }), [forecast], offered);
    expect(choose({ type: 'function', name: 'get_weather' }).toolChoice).toEqual({
      type: 'function',
      function: { name: 'get_weather' },
    });
    expect(choose({ type: 'mcp', server_label: 'wx', name: 'get_forecast' }).toolChoice).toEqual({
      type: 'function',
      function: { name: 'get_forecast' },
    });
    expect(choose({ type: 'mcp', server_label: 'wx' })).toEqual({ tools: [forecast], toolChoice: 'required' });
    expect(choose({ type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] })).toEqual(
      { tools: [chatWeather], toolChoice: 'auto' },
    );
    expect(choose('none')).toEqual({ tools: [chatWeather, forecast], toolChoice: 'none' });
    expect(refusal(() => choose({ type: 'function', name: 'nope' }))).toMatchObject({
      status: 400,
      param: 'tool_choice',
    });
    expect(
      refusal(() =>
        toolsAndChoice(readResponsesRequest({ model: 'm', input: 'x', tool_choice: 'required' }), [], new Map()),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('reads MCP tools (headers kept out of the echo, authorization as a bearer header) and refuses bad ones', () => {
    const req = readResponsesRequest({
      model: 'm',
      input: 'x',
      tools: [
        {
          type: 'mcp',
          server_label: 'wx',
          server_url: 'https://mcp.example.com/mcp',
          allowed_tools: ['get_forecast'],
          authorization: 'tok',
          headers: { 'x-k': 'v' },
        },
      ],
    });
    expect(req.mcp).toEqual([
      {
        serverLabel: 'wx',
        serverUrl: 'https://mcp.example.com/mcp',
        allowedTools: ['get_forecast'],
        requireApproval: 'always',
        headers: { 'x-k': 'v', authorization: 'Bearer tok' },
      },
    ]);
    expect(req.toolsEcho).toEqual([
      { type: 'mcp', server_label: 'wx', server_url: 'https://mcp.example.com/mcp', allowed_tools: ['get_forecast'] },
    ]);
    expect(
      refusal(() =>
        readResponsesRequest({
          model: 'm',
          input: 'x',
          tools: [{ type: 'mcp', server_label: 'wx', connector_id: 'connector_gmail' }],
        }),
      ),
    ).toMatchObject({ param: 'tools[0].server_url' });
    const twice = { type: 'mcp', server_label: 'wx', server_url: 'https://a.example.com' };
    expect(refusal(() => readResponsesRequest({ model: 'm', input: 'x', tools: [twice, twice] }))).toMatchObject({
      param: 'tools[1].server_label',
    });
    expect(
      refusal(() =>
        readResponsesRequest({ model: 'm', input: 'x', tools: [{ ...twice, require_approval: 'sometimes' }] }),
      ),
    ).toMatchObject({ param: 'tools[0].require_approval' });
  });

  it('refuses what it cannot serve', () => {
    expect(refusal(() => readResponsesRequest({ input: 'x' }))).toMatchObject({ param: 'model' });
    expect(refusal(() => readResponsesRequest({ model: 'm', input: 'x', conversation: 'conv_1' }))).toMatchObject({
      param: 'conversation',
    });
    expect(refusal(() => readResponsesRequest({ model: 'm', input: 'x', prompt: { id: 'p' } }))).toMatchObject({
      param: 'prompt',
    });
    expect(
      refusal(() => readResponsesRequest({ model: 'm', input: 'x', text: { format: { type: 'yaml' } } })),
    ).toMatchObject({ param: 'text.format.type' });
    expect(refusal(() => readResponsesRequest({ model: 'm', input: 42 }))).toMatchObject({ param: 'input' });
    expect(refusal(() => readResponsesRequest({ model: 'm', input: 'x', max_output_tokens: 0 }))).toMatchObject({
      param: 'max_output_tokens',
    });
  });
});
