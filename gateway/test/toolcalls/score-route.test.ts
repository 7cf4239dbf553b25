// POST /v1/toolcalls/score through a real gateway: reward version 2 by default, version 1 on
// request, ToolRL's options, and OpenAI-shaped 400s for bad options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const paris = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
const reference = [{ name: 'get_weather', arguments: { city: 'Paris' } }];

describe('POST /v1/toolcalls/score', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1 }]);
  });
  afterAll(async () => stack?.close());

  const score = async (body: unknown) => {
    const res = await fetch(`${stack.gateway.url}/v1/toolcalls/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('scores a repeated call with version 2 by default and with version 1 on request', async () => {
    const raw = `${paris}\n${paris}`;
    const v2 = await score({ tools, raw, reference });
    expect(v2.status).toBe(200);
    expect(v2.body.reward).toMatchObject({ version: 2, format: 1, correctness: 0, schema: 1, total: 2 });
    expect(v2.body.reward.detail.unmatchedPredicted).toEqual([1]);
    const v1 = await score({ tools, raw, reference, reward: { version: 1 } });
    expect(v1.body.reward).toMatchObject({ version: 1, total: 5 });
  });

  it('reads text outside the calls and applies the schedule and length options', async () => {
    const prose = await score({ tools, raw: `Sure. ${paris}`, reference });
    expect(prose.body.reward).toMatchObject({ format: 0, correctness: 3, total: 4 });
    expect(prose.body.reward.detail.textOutsideCalls).toBe(true);
    const opts = await score({
      tools,
      raw: `<think>a b</think>\n${paris}`,
      reference,
      reward: { schedule: { step: 0, steps: 10 }, length: { target: 4 } },
    });
    expect(opts.body.reward).toEqual(
      expect.objectContaining({ format: 2, correctness: 2, schema: 1, length: 0.5, total: 5.5 }),
    );
  });

  it.each([
    [{ version: 3 }, 'reward.version'],
    [{ schedule: { step: 1 } }, 'reward.schedule'],
    [{ length: { target: 0 } }, 'reward.length'],
    [{ version: 1, length: { target: 5 } }, 'reward.version'],
    [{ bogus: true }, 'reward.bogus'],
    ['v2', 'reward'],
  ])('rejects reward options %j with a 400 naming %s', async (reward, param) => {
    const res = await score({ tools, raw: paris, reference, reward });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_score_request', param });
  });
});
