// MCP tools in Responses requests, end to end: a real MCP server built with the official SDK on
// loopback (two tools), simulator pods whose model writes every tool call with a trailing comma
// (malformed JSON), the gateway in between, the real `openai` SDK as the client. The gateway
// lists the tools, repairs the call, validates it against the tool's inputSchema, runs it and
// feeds the result back until the model answers; it refuses unlisted servers, reports tool errors
// and hung tools without failing the response, follows require_approval, falls back to the SSE
// transport, and captures every executed call with its outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { BadRequestError } from 'openai';
import { startStack, type Stack } from '../helpers/stack.js';
import { startMcpServer, type TestMcpServer } from '../helpers/mcp-server.js';
import { readJsonl, tempDir } from '../experiments/helpers.js';
import { freePort } from '../helpers/net.js';
import { MODEL, collect } from '../responses/helpers.js';

type Item = OpenAI.Responses.ResponseOutputItem;

/** Output items other than the model's reasoning (the pods run the qwen3 reasoning parser). */
const visible = (r: { output: Item[] }): Item[] => r.output.filter((i) => i.type !== 'reasoning');

/** Stream events minus those of reasoning items (found by their output_index). */
function withoutReasoning<E extends { type: string }>(events: E[]): E[] {
  const reasoning = new Set<number>();
  for (const e of events as Array<E & { output_index?: number; item?: { type?: string } }>)
    if (e.type === 'response.output_item.added' && e.item?.type === 'reasoning') reasoning.add(e.output_index!);
  return events.filter((e) => !reasoning.has((e as { output_index?: number }).output_index ?? -1));
}

describe('MCP tools through /v1/responses', () => {
  let mcp: TestMcpServer;
  let legacy: TestMcpServer;
  let stack: Stack;
  let client: OpenAI;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let deadPort: number;
  const tool = (over: Record<string, unknown> = {}) => ({
    type: 'mcp' as const,
    server_label: 'weather',
    server_url: mcp.url,
    require_approval: 'never' as const,
    ...over,
  });
  const ask = (input: string, tools: unknown[], extra: Record<string, unknown> = {}) =>
    client.responses.create({
      model: MODEL,
      input,
      tools,
      ...extra,
    } as never) as unknown as Promise<OpenAI.Responses.Response>;

  beforeAll(async () => {
    mcp = await startMcpServer();
    legacy = await startMcpServer({ transport: 'sse' });
    tmp = await tempDir('toolgate-mcp-');
    const port = (u: string) => new URL(u).port;
    deadPort = await freePort(); // allowed, but nothing listens there
    stack = await startStack(
      [
        {
          pods: 1,
          profile: { kind: 'fixed', ttftMs: 1, itlMs: 0 },
          faults: { rates: { trailing_comma: 1 } },
          reasoningParser: 'qwen3',
        },
      ],
      {
        mcp: {
          allowedServers: [
            `http://127.0.0.1:${port(mcp.url)}/mcp`,
            `http://127.0.0.1:${port(legacy.url)}/sse`,
            `http://127.0.0.1:${deadPort}/mcp`,
          ],
          callTimeoutMs: 3000,
          maxSteps: 3,
        },
        capture: { dir: tmp.dir, sampleValid: 0 },
      },
    );
    client = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await stack?.close();
    await mcp?.close();
    await legacy?.close();
    await tmp?.remove();
  });

  it('lists the tools, repairs the malformed call, runs it, and the answer follows', async () => {
    const calls = mcp.calls.length;
    const r = await ask('What is the forecast for Oslo?', [tool()]);
    expect(r.status).toBe('completed');
    // The pods run vLLM's qwen3 reasoning parser: each model call's thinking is a reasoning item.
    expect(r.output.filter((i) => i.type === 'reasoning')).toHaveLength(2);
    expect(visible(r).map((i) => i.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    const list = visible(r)[0] as Extract<Item, { type: 'mcp_list_tools' }>;
    expect(list.server_label).toBe('weather');
    expect(list.tools.map((t) => t.name)).toEqual(['get_forecast', 'convert_currency']);
    const call = visible(r)[1] as Extract<Item, { type: 'mcp_call' }>;
    expect(call).toMatchObject({ server_label: 'weather', name: 'get_forecast', status: 'completed', error: null });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Oslo', days: 1 });
    expect(call.output).toBe('Forecast for Oslo: sunny, 21 °C, for 1 day(s).');
    expect(mcp.calls.slice(calls)).toEqual([{ name: 'get_forecast', arguments: { city: 'Oslo', days: 1 } }]);
    // The model wrote `{"city": "Oslo", "days": 1,}`: the first model call's verdict says repaired.
    const verdicts = (r as unknown as { toolgate: { tool_calls: Array<{ outcome: string }> } }).toolgate.tool_calls;
    expect(verdicts.map((v) => v.outcome)).toEqual(['repaired', 'none']);
    expect(r.output_text.length).toBeGreaterThan(0);
    // The tools echo leaves headers out.
    expect(r.tools[0]).not.toHaveProperty('headers');
  });

  it('streams the MCP events in order, numbered from 0', async () => {
    const events = await collect(
      await client.responses.create({
        model: MODEL,
        input: 'What is the forecast for Bergen?',
        tools: [tool()],
        stream: true,
      } as never),
    );
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = withoutReasoning(events)
      .map((e) => e.type)
      .filter((t) => t !== 'response.output_text.delta' && t !== 'response.mcp_call_arguments.delta');
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.mcp_list_tools.in_progress',
      'response.mcp_list_tools.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.mcp_call_arguments.done',
      'response.mcp_call.in_progress',
      'response.mcp_call.completed',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const done = withoutReasoning(events)
      .filter((e) => e.type === 'response.output_item.done')
      .map((e) => (e as { item: Item }).item);
    expect(done[1]).toMatchObject({ type: 'mcp_call', output: 'Forecast for Bergen: sunny, 21 °C, for 1 day(s).' });
  });

  it('refuses a server URL that is not in mcp.allowedServers with a 400, before contacting it', async () => {
    const listed = mcp.listCount;
    for (const url of [
      mcp.url.replace('127.0.0.1', 'localhost'),
      mcp.url.replace('/mcp', '/other'),
      `http://user:pw@127.0.0.1:${new URL(mcp.url).port}/mcp`,
    ]) {
      const err = await ask('What is the forecast for Oslo?', [tool({ server_url: url })]).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).code).toBe('mcp_server_not_allowed');
      expect((err as BadRequestError).param).toBe('tools[0].server_url');
    }
    expect(mcp.listCount).toBe(listed);
  });

  it('answers 424 when an allowed server cannot list its tools', async () => {
    const err = await ask('What is the forecast for Oslo?', [
      tool({ server_url: `http://127.0.0.1:${deadPort}/mcp` }),
    ]).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 424, code: 'mcp_list_tools_failed', param: 'tools' });
    expect((err as Error).message).toContain("MCP server 'weather'");
  });

  it('reports a tool error to the client and the model; the response still completes', async () => {
    const r = await ask('What is the forecast for Atlantis?', [tool()]);
    expect(r.status).toBe('completed');
    const call = r.output.find((i) => i.type === 'mcp_call') as Extract<Item, { type: 'mcp_call' }>;
    expect(call).toMatchObject({ status: 'failed', output: null, error: 'Unknown city: Atlantis' });
    expect(r.output.at(-1)!.type).toBe('message');
  });

  it('reports a hung tool after mcp.callTimeoutMs; the response still completes', async () => {
    const started = Date.now();
    const r = await ask('What is the forecast for Limbo?', [tool()]);
    expect(r.status).toBe('completed');
    const call = r.output.find((i) => i.type === 'mcp_call') as Extract<Item, { type: 'mcp_call' }>;
    expect(call.status).toBe('failed');
    expect(call.error).toMatch(/did not answer within 3000 ms/);
    expect(r.output.at(-1)!.type).toBe('message');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('caches a server tool list per URL and headers, and sends the headers', async () => {
    await ask('What is the forecast for Oslo?', [tool()]);
    const listed = mcp.listCount;
    await ask('What is the forecast for Rome?', [tool()]);
    expect(mcp.listCount).toBe(listed);
    await ask('What is the forecast for Rome?', [tool({ headers: { authorization: 'Bearer t0k3n' } })]);
    expect(mcp.listCount).toBe(listed + 1);
    expect(mcp.lastHeaders.authorization).toBe('Bearer t0k3n');
  });

  it('asks for approval by default, runs the call once approved, and tells the model about a denial', async () => {
    const calls = mcp.calls.length;
    const r1 = await ask('What is the forecast for Paris?', [tool({ require_approval: undefined })]);
    expect(visible(r1).map((i) => i.type)).toEqual(['mcp_list_tools', 'mcp_approval_request']);
    const request = visible(r1)[1] as Extract<Item, { type: 'mcp_approval_request' }>;
    expect(request).toMatchObject({ server_label: 'weather', name: 'get_forecast' });
    expect(mcp.calls.length).toBe(calls);

    const approved = await client.responses.create({
      model: MODEL,
      previous_response_id: r1.id,
      tools: [tool({ require_approval: 'always' })],
      input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: true }],
    } as never);
    // The tools were listed in this conversation already: no second mcp_list_tools item.
    expect(visible(approved).map((i) => i.type)).toEqual(['mcp_call', 'message']);
    expect(visible(approved)[0]).toMatchObject({
      status: 'completed',
      approval_request_id: request.id,
      output: 'Forecast for Paris: sunny, 21 °C, for 1 day(s).',
    });
    expect(mcp.calls.length).toBe(calls + 1);

    const denied = await client.responses.create({
      model: MODEL,
      previous_response_id: r1.id,
      tools: [tool({ require_approval: { never: { tool_names: ['convert_currency'] } } })],
      input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: false, reason: 'not now' }],
    } as never);
    expect(visible(denied).map((i) => i.type)).toEqual(['message']);
    expect(mcp.calls.length).toBe(calls + 1);
  });

  it('falls back to the HTTP+SSE transport for an older server', async () => {
    const calls = legacy.calls.length;
    const r = await ask('What is the forecast for Lima?', [tool({ server_label: 'legacy', server_url: legacy.url })]);
    expect(visible(r).map((i) => i.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    expect(visible(r)[1]).toMatchObject({
      status: 'completed',
      output: 'Forecast for Lima: sunny, 21 °C, for 1 day(s).',
    });
    expect(legacy.calls.length).toBe(calls + 1);
  });

  it('does not run a call that fails the tool inputSchema (annotate passes it through unchecked)', async () => {
    const calls = mcp.calls.length;
    const raw = '<tool_call>\n{"name": "get_forecast", "arguments": {"city": "Oslo", "days": "many"}}\n</tool_call>';
    const r = await client.responses.create(
      { model: MODEL, input: 'Forecast?', tools: [tool()], sim_script: { raw, parser: 'none' } } as never,
      { headers: { 'x-toolgate-policy': 'annotate' } },
    );
    const call = r.output.find((i) => i.type === 'mcp_call') as Extract<Item, { type: 'mcp_call' }>;
    expect(call.status).toBe('failed');
    expect(call.error).toMatch(/input schema/);
    expect(mcp.calls.length).toBe(calls);
    // The scripted model keeps calling: the loop stops at mcp.maxSteps (3 model calls).
    expect(r.status).toBe('incomplete');
    expect(r.incomplete_details?.reason).toBe('max_tool_calls');
    const last = r.output.filter((i) => i.type === 'mcp_call').at(-1) as Extract<Item, { type: 'mcp_call' }>;
    expect(last.error).toMatch(/limit of 3 model calls/);
  });

  it('captures every executed call with its outcome (the executable label)', async () => {
    await stack.gateway.capture.flush();
    const records = (await readJsonl(tmp.dir)).filter((r) => Array.isArray(r.executions));
    const byOutcome = (o: string) =>
      records.filter((r) => (r.executions as Array<{ outcome: string }>).some((e) => e.outcome === o));
    const ok = byOutcome('ok').find((r) =>
      (r.executions as Array<{ arguments: string }>)[0]!.arguments.includes('Oslo'),
    )!;
    expect(ok.executable).toBe(true);
    expect(ok.outcome).toBe('repaired');
    expect(ok.executions).toEqual([
      {
        server: 'weather',
        name: 'get_forecast',
        arguments: '{"city":"Oslo","days":1}',
        outcome: 'ok',
        error: null,
        ms: expect.any(Number),
      },
    ]);
    // The call run after its approval has a record of its own.
    const approved = byOutcome('ok').find((r) =>
      (r.executions as Array<{ arguments: string }>)[0]!.arguments.includes('Paris'),
    )!;
    expect(approved).toMatchObject({
      outcome: 'valid',
      executable: true,
      calls: [{ name: 'get_forecast', arguments: { city: 'Paris', days: 1 } }],
    });
    expect((approved.messages as Array<{ role: string }>).at(-1)!.role).toBe('user');
    const toolError = byOutcome('tool_error');
    expect(toolError.length).toBeGreaterThanOrEqual(2); // Atlantis, Limbo
    for (const r of toolError) expect(r.executable).toBe(false);
    const invalid = byOutcome('schema_invalid');
    expect(invalid.length).toBeGreaterThanOrEqual(1);
    expect(invalid[0]!.executable).toBe(false);
  });
});
