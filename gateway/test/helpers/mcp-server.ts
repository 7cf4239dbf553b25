// A real MCP server on loopback, built with the official TypeScript SDK (McpServer), for the
// gateway's MCP tests. Two tools:
//   get_forecast {city: string, days: integer 1..7} — "Forecast for <city>: …"; the city
//     "Atlantis" is a tool error (isError), "Limbo" never answers (a hung tool).
//   convert_currency {amount: number, from: string, to: string}
// Streamable HTTP (stateless: one server and transport per POST) at /mcp, or the older HTTP+SSE
// transport (GET /sse, POST /messages) with `transport: 'sse'`. It counts what clients asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface TestMcpServer {
  url: string;
  /** tools/list requests served. */
  listCount: number;
  /** tools/call requests received: name and arguments as sent. */
  calls: { name: string; arguments: Record<string, unknown> }[];
  /** Request headers seen on the last HTTP request. */
  lastHeaders: Record<string, string | string[] | undefined>;
  close(): Promise<void>;
}

export async function startMcpServer(opts: { transport?: 'streamable' | 'sse' } = {}): Promise<TestMcpServer> {
  const hung: Array<() => void> = [];
  const state: TestMcpServer = { url: '', listCount: 0, calls: [], lastHeaders: {}, close: async () => undefined };

  const build = () => {
    const server = new McpServer({ name: 'toolgate-test', version: '1.0.0' });
    server.registerTool(
      'get_forecast',
      {
        description: 'Get the weather forecast for a city',
        inputSchema: {
          city: z.string().describe('City name'),
          days: z.number().int().min(1).max(7).describe('Days ahead'),
        },
        annotations: { readOnlyHint: true },
      },
      async ({ city, days }) => {
        state.calls.push({ name: 'get_forecast', arguments: { city, days } });
        if (city === 'Atlantis') return { isError: true, content: [{ type: 'text', text: `Unknown city: ${city}` }] };
        if (city === 'Limbo') await new Promise<void>((resolve) => hung.push(resolve));
        return { content: [{ type: 'text', text: `Forecast for ${city}: sunny, 21 °C, for ${days} day(s).` }] };
      },
    );
    server.registerTool(
      'convert_currency',
      {
        description: 'Convert an amount of money from one currency to another',
        inputSchema: { amount: z.number(), from: z.string().length(3), to: z.string().length(3) },
      },
      async ({ amount, from, to }) => {
        state.calls.push({ name: 'convert_currency', arguments: { amount, from, to } });
        return { content: [{ type: 'text', text: `${amount} ${from} = ${(amount * 1.1).toFixed(2)} ${to}` }] };
      },
    );
    return server;
  };

  /** Reads a POST's JSON-RPC body (handed to the transport pre-parsed) and counts tools/list. */
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const body: unknown = JSON.parse(text);
    for (const m of Array.isArray(body) ? body : [body])
      if ((m as { method?: unknown })?.method === 'tools/list') state.listCount++;
    return body;
  };

  const sse = new Map<string, SSEServerTransport>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    state.lastHeaders = req.headers;
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (opts.transport === 'sse') {
      if (req.method === 'GET' && path === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        sse.set(transport.sessionId, transport);
        res.on('close', () => sse.delete(transport.sessionId));
        await build().connect(transport);
        return;
      }
      if (req.method === 'POST' && path === '/messages') {
        const id = new URL(req.url ?? '/', 'http://x').searchParams.get('sessionId') ?? '';
        const t = sse.get(id);
        if (!t) return void res.writeHead(404).end();
        await t.handlePostMessage(req, res, await readBody(req));
        return;
      }
      return void res.writeHead(404).end();
    }
    if (path !== '/mcp') return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    const body = await readBody(req);
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  state.url = opts.transport === 'sse' ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp`;
  state.close = async () => {
    for (const release of hung.splice(0)) release();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return state;
}
