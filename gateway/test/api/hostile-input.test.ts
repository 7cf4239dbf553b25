// Issue 18 findings 1-5 through the real gateway (simulator pods, OpenAI-shaped errors), with the
// probe's own inputs: deep nesting, `__proto__` in model output, backtracking patterns,
// recursive and exponential schemas, and large schemas compiling while /health is asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, sseData, type Stack } from '../helpers/stack.js';

interface OpenAIError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
type ToolCallsBody = {
  choices: Array<{
    message: { content: string | null; tool_calls?: Array<{ function: { name: string; arguments: string } }> };
  }>;
  toolgate: { tool_calls: { outcome: string; errors: Array<{ pointer: string; message: string }> } };
};

const MODEL = 'Qwen/Qwen3-0.6B';
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
const user = [{ role: 'user', content: 'Weather?' }];

describe('hostile input through the gateway (issue 18)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // One-pass verdicts: the retry policy's re-ask would fix the probe's call against the simulator.
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 1, itlMs: 1 } }], {
      toolcalls: { policy: 'repair' },
    });
  });
  afterAll(async () => stack?.close());

  const post = (path: string, body: unknown) =>
    fetch(`${stack.gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const expectError = async (res: Response, status: number, code: string): Promise<OpenAIError['error']> => {
    expect(res.status).toBe(status);
    const e = ((await res.json()) as OpenAIError).error;
    expect(e).toEqual({ message: expect.any(String), type: 'invalid_request_error', param: e.param, code });
    return e;
  };

  describe('finding 1: nesting 5,000 levels deep', () => {
    it('in message content or tool parameters: 400 json_too_deep at read', async () => {
      const content = `{"model":"${MODEL}","messages":[{"role":"user","content":${deep(5000)}}]}`;
      expect((await expectError(await post('/v1/chat/completions', content), 400, 'json_too_deep')).message).toMatch(
        /deeper than 64 levels/,
      );
      const params = `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}}}}]}`;
      await expectError(await post('/v1/chat/completions', params), 400, 'json_too_deep');
      await expectError(
        await post(
          '/v1/toolcalls/score',
          `{"tools":[],"raw":"x","reference":[{"name":"f","arguments":{"a":${deep(5000)}}}]}`,
        ),
        400,
        'json_too_deep',
      );
    });

    it('in history arguments: 400 naming the argument', async () => {
      const messages = [
        ...user,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: `{"city":${deep(5000)}}` } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'x' },
      ];
      const e = await expectError(
        await post('/v1/chat/completions', { model: MODEL, tools: weather, messages }),
        400,
        'json_too_deep',
      );
      expect(e.param).toBe('messages[1].tool_calls[0].function.arguments');
    });

    it('in model output: the call is invalid, the response is a normal 200', async () => {
      const raw = `<tool_call>{"name":"get_weather","arguments":{"city":${deep(5000)}}}</tool_call>`;
      const res = await post('/v1/chat/completions', {
        model: MODEL,
        tools: weather,
        messages: user,
        sim_script: { raw, parser: 'none', itl_ms: 0 },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-toolgate-toolcalls')).toBe('invalid');
      const body = (await res.json()) as ToolCallsBody;
      expect(body.toolgate.tool_calls.errors[0]!.message).toMatch(/nests deeper than 64 levels/);
      const score = await post('/v1/toolcalls/score', { tools: weather, raw });
      expect(score.status).toBe(200);
      expect(((await score.json()) as { gateway: { outcome: string } }).gateway.outcome).toBe('invalid');
    });
  });

  describe('finding 2: {"arguments": {"__proto__": {"city": "Paris"}}} with city required', () => {
    const raw = '<tool_call>\n{"name":"get_weather","arguments":{"__proto__":{"city":"Paris"}}}\n</tool_call>';

    it.each(['none', 'hermes'])(
      'whole response, parser %s: invalid, and no call with arguments "{}" reaches the client',
      async (parser) => {
        const res = await post('/v1/chat/completions', {
          model: MODEL,
          tools: weather,
          messages: user,
          sim_script: { raw, parser },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-toolgate-toolcalls')).toBe('invalid');
        const body = (await res.json()) as ToolCallsBody;
        expect(body.choices[0]!.message.tool_calls ?? []).toEqual([]);
        expect(body.toolgate.tool_calls.errors).toEqual([
          expect.objectContaining({ pointer: '/city', message: 'missing required argument' }),
        ]);
      },
    );

    it.each(['none', 'hermes'])('stream, parser %s: the verdict is invalid and no call is sent', async (parser) => {
      const res = await post('/v1/chat/completions', {
        model: MODEL,
        stream: true,
        tools: weather,
        messages: user,
        sim_script: { raw, parser },
      });
      expect(res.status).toBe(200);
      const events = sseData(await res.text()) as Array<{
        choices?: Array<{ delta?: { tool_calls?: unknown[] } }>;
        toolgate?: { tool_calls: { outcome: string } };
      }>;
      expect(events.flatMap((e) => e.choices?.[0]?.delta?.tool_calls ?? [])).toEqual([]);
      expect(events.find((e) => e.toolgate)!.toolgate!.tool_calls.outcome).toBe('invalid');
    });

    it('score: invalid on both the strict and the gateway side', async () => {
      const r = (await (await post('/v1/toolcalls/score', { tools: weather, raw })).json()) as {
        schema: { ok: boolean };
        gateway: { outcome: string };
      };
      expect(r.schema.ok).toBe(false);
      expect(r.gateway.outcome).toBe('invalid');
    });
  });

  describe('finding 3: the probe patterns run in linear time', () => {
    // The probe's values blocked the loop 2.5-16 s each; here chat gets the probe's value and
    // score a 100k-character one, which no backtracking engine would finish before the timeout.
    it.each([
      ['^(a|[a])*$', 'invalid', 'invalid'],
      ['^(.*a){12}$', 'invalid', 'invalid'],
      ['\\d*'.repeat(10), 'valid', 'valid'],
      ['[a-z]+'.repeat(9), 'valid', 'valid'],
    ])('%s via chat (probe value) and score (100k characters)', async (pattern, chatOutcome, scoreOutcome) => {
      const tools = [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { s: { type: 'string', pattern } }, required: ['s'] },
          },
        },
      ];
      const call = (s: string) => `<tool_call>{"name":"f","arguments":{"s":"${s}"}}</tool_call>`;
      const chat = await post('/v1/chat/completions', {
        model: MODEL,
        tools,
        messages: user,
        sim_script: { raw: call(`${'a'.repeat(28)}!`), parser: 'none', itl_ms: 0 },
      });
      expect(chat.status).toBe(200);
      expect(chat.headers.get('x-toolgate-toolcalls')).toBe(chatOutcome);
      const score = await post('/v1/toolcalls/score', {
        tools,
        raw: call(`${'1'.repeat(50_000)}${'a'.repeat(50_000)}!`),
      });
      expect(score.status).toBe(200);
      expect(((await score.json()) as { gateway: { outcome: string } }).gateway.outcome).toBe(scoreOutcome);
    });

    it('a lookahead (not expressible in RE2) is a 400 at admission', async () => {
      const tools = [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { s: { type: 'string', pattern: '^(?=.*\\d)\\w+$' } } },
          },
        },
      ];
      const e = await expectError(
        await post('/v1/chat/completions', { model: MODEL, tools, messages: user }),
        400,
        'invalid_tool_schema',
      );
      expect(e.message).toMatch(/not supported.*linear-time RE2/);
      expect(e.param).toBe('tools[0].function.parameters');
    });
  });

  describe('finding 4: recursive and exponential schemas', () => {
    it('{"$ref": "#"} → 400 (chat and score)', async () => {
      const tools = [{ type: 'function', function: { name: 'f', parameters: { $ref: '#' } } }];
      for (const res of [
        await post('/v1/chat/completions', { model: MODEL, tools, messages: user }),
        await post('/v1/toolcalls/score', { tools, raw: '<tool_call>{"name":"f","arguments":{}}</tool_call>' }),
      ]) {
        expect((await expectError(res, 400, 'invalid_tool_schema')).message).toMatch(/recursive schema/);
      }
    });

    it('the 21-level anyOf chain of double references → 400', async () => {
      const definitions: Record<string, unknown> = {};
      for (let i = 0; i < 21; i++)
        definitions[`d${i}`] =
          i === 20
            ? { type: 'string' }
            : { anyOf: [{ $ref: `#/definitions/d${i + 1}` }, { $ref: `#/definitions/d${i + 1}` }] };
      const tools = [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', definitions, properties: { x: { $ref: '#/definitions/d0' } } },
          },
        },
      ];
      for (const res of [
        await post('/v1/chat/completions', { model: MODEL, tools, messages: user }),
        await post('/v1/toolcalls/score', { tools, raw: '<tool_call>{"name":"f","arguments":{"x":1}}</tool_call>' }),
      ]) {
        expect((await expectError(res, 400, 'invalid_tool_schema')).message).toMatch(/expands to more than/);
      }
    });
  });

  describe('finding 5: compiling large schemas does not hold up other requests', () => {
    const bigSchema = (seed: number) => {
      const properties: Record<string, unknown> = {};
      for (let n = 0; n < 500; n++)
        properties[`f${seed}_${n}`] =
          n % 2 ? { type: 'integer', minimum: n } : { type: 'string', maxLength: 64, description: `field ${n}` };
      return { type: 'object', properties, additionalProperties: false };
    };

    it('/health answers while a score request compiles 4 schemas of ~28 KB', async () => {
      const tools = Array.from({ length: 4 }, (_, i) => ({
        type: 'function',
        function: { name: `t${i}`, parameters: bigSchema(i) },
      }));
      let scoredAt = 0;
      const scoring = post('/v1/toolcalls/score', {
        tools,
        raw: '<tool_call>{"name":"t0","arguments":{}}</tool_call>',
      }).then(async (r) => {
        scoredAt = performance.now();
        return r;
      });
      await new Promise((r) => setTimeout(r, 50)); // the score request is in
      const healthAt: number[] = [];
      while (scoredAt === 0) {
        const h = await fetch(`${stack.gateway.url}/health`);
        expect(h.status).toBe(200);
        healthAt.push(performance.now());
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = await scoring;
      expect(res.status, await res.clone().text()).toBe(200);
      expect(((await res.json()) as { gateway: { outcome: string } }).gateway.outcome).toBe('valid');
      // Several health checks were answered while the schemas compiled, not after.
      expect(healthAt.filter((t) => t < scoredAt).length).toBeGreaterThanOrEqual(3);
    });

    it('the probe request (128 tools of ~63 KB, within the body limit) is refused at once with a 400', async () => {
      const schema = (i: number) => {
        const s = bigSchema(i % 4); // ~28 KB, padded to the probe's ~63 KB
        return { ...s, description: 'd'.repeat(Math.max(0, 63_000 - JSON.stringify(s).length)) };
      };
      const tools = Array.from({ length: 128 }, (_, i) => ({
        type: 'function',
        function: { name: `t${i}`, parameters: schema(i) },
      }));
      expect(JSON.stringify(tools).length).toBeLessThan(stack.cfg.server.bodyLimitBytes);
      const e = await expectError(await post('/v1/toolcalls/score', { tools, raw: 'x' }), 400, 'invalid_tool_schema');
      expect(e.message).toMatch(/bytes of JSON; the limit is 1048576/);
      expect(e.param).toBe('tools');
    });
  });
});
