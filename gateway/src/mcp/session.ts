// One connection to one MCP server with the official TypeScript SDK: Streamable HTTP first, the
// older HTTP+SSE transport when the server answers the Streamable POST with a 4xx (the fallback
// the MCP spec describes for backwards compatibility). Every HTTP request the SDK makes —
// redirects and the SSE endpoint it is told to post to included — goes through a fetch that
// lets it through only on the admitted server's origin or to another allowed URL, so a listed
// server cannot send the gateway elsewhere.
// The SDK is loaded on first use: a gateway that never sees an MCP tool does not pay its
// start-up cost (about two seconds of module loading on a busy machine).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ServerAllowlist } from './allowlist.js';

export interface McpTool {
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  annotations: Record<string, unknown> | null;
}

export interface McpServerRef {
  url: string;
  headers: Readonly<Record<string, string>>;
}

/** The raw result of tools/call (content parts, structuredContent, isError). */
export type CallResult = Awaited<ReturnType<Client['callTool']>>;

const CLIENT_INFO = { name: 'toolgate', version: '0.1.0' };
const MAX_TOOL_PAGES = 20;

export class McpSession {
  private constructor(
    private readonly client: Client,
    readonly transport: 'streamable-http' | 'sse',
  ) {}

  /** Connects (initialize handshake) within `timeoutMs`. */
  static async open(
    server: McpServerRef,
    allowlist: ServerAllowlist,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<McpSession> {
    const sdk = await loadSdk();
    const guarded = guardedFetch(allowlist, server.url);
    const requestInit: RequestInit = { headers: { ...server.headers } };
    const url = new URL(server.url);
    try {
      const client = await connect(
        sdk,
        new sdk.StreamableHTTPClientTransport(url, { requestInit, fetch: guarded }),
        timeoutMs,
        signal,
      );
      return new McpSession(client, 'streamable-http');
    } catch (err) {
      const status = err instanceof sdk.StreamableHTTPError ? err.code : undefined;
      if (status === undefined || status < 400 || status >= 500) throw err;
    }
    const client = await connect(
      sdk,
      new sdk.SSEClientTransport(url, { requestInit, fetch: guarded }),
      timeoutMs,
      signal,
    );
    return new McpSession(client, 'sse');
  }

  /** Every tool the server lists (following pagination). */
  async listTools(timeoutMs: number, signal?: AbortSignal): Promise<McpTool[]> {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const res = await this.client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs, signal });
      for (const t of res.tools) {
        tools.push({
          name: t.name,
          description: t.description ?? null,
          inputSchema: t.inputSchema,
          annotations: (t.annotations as Record<string, unknown> | undefined) ?? null,
        });
      }
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  /** tools/call, bounded by `timeoutMs` (the SDK then sends notifications/cancelled to the server). */
  callTool(name: string, args: Record<string, unknown>, timeoutMs: number, signal?: AbortSignal): Promise<CallResult> {
    return this.client.callTool({ name, arguments: args }, undefined, {
      timeout: timeoutMs,
      maxTotalTimeout: timeoutMs,
      signal,
    });
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}

type Sdk = Awaited<ReturnType<typeof loadSdk>>;

async function loadSdk() {
  const [client, streamable, sse] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
  ]);
  return {
    Client: client.Client,
    StreamableHTTPClientTransport: streamable.StreamableHTTPClientTransport,
    StreamableHTTPError: streamable.StreamableHTTPError,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- servers that only speak the legacy SSE transport are still served
    SSEClientTransport: sse.SSEClientTransport,
  };
}

/** Transport start (an SSE server must send its endpoint first) and the initialize handshake, within `timeoutMs` in all. */
async function connect(sdk: Sdk, transport: Transport, timeoutMs: number, signal?: AbortSignal): Promise<Client> {
  const client = new sdk.Client(CLIENT_INFO, { capabilities: {} });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`MCP server did not complete the connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(transport, { timeout: timeoutMs, signal }), deadline]);
    return client;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** A fetch that refuses any URL off the admitted server's origin that the allowlist does not allow. */
function guardedFetch(allowlist: ServerAllowlist, admitted: string): typeof fetch {
  const origin = new URL(admitted).origin;
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let sameOrigin = false;
    try {
      const u = new URL(url);
      sameOrigin = u.origin === origin && !u.username && !u.password;
    } catch {
      /* refused below */
    }
    if (!sameOrigin && !allowlist.check(url))
      return Promise.reject(new Error(`MCP request to ${url} refused: not in mcp.allowedServers`));
    return fetch(input, init);
  };
}
