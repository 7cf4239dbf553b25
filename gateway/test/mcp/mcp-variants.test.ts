// A/B variants and a Responses request whose MCP loop makes several model calls: a client that
// sends no session (no x-session-id, user or API key) still has every model call of one
// response — and of the turns chained to it — served by one variant; different responses spread
// over the variants by weight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, simRequests, startPools, type PoolStack } from '../experiments/helpers.js';
import { startMcpServer, type TestMcpServer } from '../helpers/mcp-server.js';

describe('variants across the model calls of one response', () => {
  let mcp: TestMcpServer;
  let s: PoolStack;
  /** A client with no session at all: no API key (the openai SDK always sends one), no user. */
  const create = async (body: Record<string, unknown>) => {
    const res = await fetch(`${s.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return {
      variant: res.headers.get('x-toolgate-variant'),
      data: (await res.json()) as { id: string; output: { type: string }[] },
    };
  };
  beforeAll(async () => {
    mcp = await startMcpServer();
    s = await startPools(
      { a: { ...FAST, loraAdapters: ['qwen3-a'] }, b: { ...FAST, loraAdapters: ['qwen3-b'] } },
      {
        models: {
          agent: {
            variants: { a: { pool: 'a', model: 'qwen3-a', weight: 1 }, b: { pool: 'b', model: 'qwen3-b', weight: 1 } },
          },
        },
        mcp: { allowedServers: [mcp.url] },
      },
    );
  });
  afterAll(async () => {
    await s?.close();
    await mcp?.close();
  });

  it('keeps each response (and its chained turns) on one variant', async () => {
    const tools = [
      { type: 'mcp' as const, server_label: 'weather', server_url: mcp.url, require_approval: 'never' as const },
    ];
    const served = new Set<string>();
    // Without the response's own session, each of its two model calls would pick a variant at
    // random: 8 responses would all stay put with probability 1/256.
    for (let i = 0; i < 8; i++) {
      const before = { a: simRequests(s.sims.a!), b: simRequests(s.sims.b!) };
      const r1 = await create({ model: 'agent', input: `What is the forecast for Oslo${i}?`, tools });
      const variant = r1.variant!;
      expect(r1.data.output.map((o) => o.type).filter((t) => t !== 'reasoning')).toEqual([
        'mcp_list_tools',
        'mcp_call',
        'message',
      ]);
      const r2 = await create({
        model: 'agent',
        previous_response_id: r1.data.id,
        input: 'What is the forecast for Bergen?',
        tools,
      });
      expect(r2.variant).toBe(variant);
      const delta = { a: simRequests(s.sims.a!) - before.a, b: simRequests(s.sims.b!) - before.b };
      expect(delta).toEqual(variant === 'a' ? { a: 4, b: 0 } : { a: 0, b: 4 });
      served.add(variant);
    }
    expect(served.size).toBe(2);
  });
});
