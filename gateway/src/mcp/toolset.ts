// The MCP tools of one Responses request: every server admitted against `mcp.allowedServers`
// (an unlisted URL is a 400 before anything is fetched), its tools listed (cached per server;
// a server that cannot list is a 424), offered to the model as functions, and each call the
// model makes executed through this response's sessions. One McpTools per process holds the
// allowlist and the cache; one McpToolset per response holds the sessions.
import { GatewayError } from '../api/errors.js';
import type { McpToolSpec } from '../responses/request.js';
import { compileTools, ToolInputError, type CompiledTools, type SchemaLimits } from '../toolcalls/index.js';
import { ServerAllowlist } from './allowlist.js';
import type { McpConfig } from './config.js';
import { executeCall, type Execution } from './execute.js';
import { asChatTool, offerServerTools, type OfferedTool } from './offer.js';
import { SessionPool } from './session-pool.js';
import type { McpTool } from './session.js';
import { ToolListCache } from './tool-cache.js';

export interface ServerListing {
  server: McpToolSpec;
  tools: McpTool[];
}

export class McpTools {
  readonly allowlist: ServerAllowlist;
  private readonly cache: ToolListCache;

  constructor(
    readonly cfg: McpConfig,
    private readonly limits: Partial<SchemaLimits> = {},
  ) {
    this.allowlist = new ServerAllowlist(cfg.allowedServers);
    this.cache = new ToolListCache(cfg.toolListTtlMs);
  }

  /** Admits the servers and lists their tools; throws the GatewayError the client gets. */
  async toolset(
    specs: readonly McpToolSpec[],
    reserved: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<McpToolset> {
    const admitted = specs.map((s, i) => {
      const url = this.allowlist.check(s.serverUrl);
      if (!url) {
        throw new GatewayError(
          400,
          `MCP server URL '${s.serverUrl}' (server_label '${s.serverLabel}') is not allowed by this gateway (mcp.allowedServers).`,
          {
            param: `tools[${i}].server_url`,
            code: 'mcp_server_not_allowed',
          },
        );
      }
      return { ...s, serverUrl: url };
    });
    const pool = new SessionPool(this.allowlist, this.cfg.connectTimeoutMs);
    try {
      const listings = await Promise.all(
        admitted.map(async (server): Promise<ServerListing> => {
          const ref = { url: server.serverUrl, headers: server.headers };
          try {
            const tools = await this.cache.get(ref, async () =>
              (await pool.get(ref, signal)).listTools(this.cfg.connectTimeoutMs, signal),
            );
            return { server, tools };
          } catch (err) {
            throw new GatewayError(
              424,
              `Error retrieving tool list from MCP server '${server.serverLabel}': ${(err as Error)?.message ?? String(err)}`,
              {
                type: 'external_connector_error',
                code: 'mcp_list_tools_failed',
                param: 'tools',
              },
            );
          }
        }),
      );
      return new McpToolset(listings, pool, this.cfg, this.limits, reserved);
    } catch (err) {
      await pool.close();
      throw err;
    }
  }
}

export class McpToolset {
  /** Offered tools by the function name the model calls. */
  readonly byName = new Map<string, OfferedTool>();
  readonly chatTools: Record<string, unknown>[] = [];
  private readonly compiled: CompiledTools;

  constructor(
    readonly listings: ServerListing[],
    private readonly pool: SessionPool,
    private readonly cfg: McpConfig,
    limits: Partial<SchemaLimits>,
    reserved: ReadonlySet<string>,
  ) {
    for (const { server, tools } of listings) {
      for (const offered of offerServerTools(server, tools)) {
        const name = offered.tool.name;
        const other = this.byName.get(name);
        if (other || reserved.has(name)) {
          const by = other ? `MCP server '${other.server.serverLabel}'` : 'a function tool';
          throw new GatewayError(
            400,
            `Tool name '${name}' of MCP server '${server.serverLabel}' is also offered by ${by}; narrow it with allowed_tools.`,
            {
              param: 'tools',
              code: 'duplicate_tool_name',
            },
          );
        }
        this.byName.set(name, offered);
        this.chatTools.push(asChatTool(offered));
      }
    }
    // The same engine and limits as request tools: a server's schema that the engine refuses is the server's fault.
    try {
      this.compiled = compileTools(this.chatTools, { limits });
    } catch (err) {
      const msg = err instanceof ToolInputError ? err.message : String(err);
      throw new GatewayError(424, `An MCP server offers a tool whose inputSchema cannot be used: ${msg}`, {
        type: 'external_connector_error',
        code: 'mcp_invalid_tool_schema',
        param: 'tools',
      });
    }
  }

  /** Checks and runs one call; never throws. */
  execute(name: string, rawArguments: string, signal?: AbortSignal): Promise<Execution> {
    const offered = this.byName.get(name)!;
    return executeCall(this.pool, offered, this.compiled, rawArguments, {
      timeoutMs: this.cfg.callTimeoutMs,
      maxOutputBytes: this.cfg.maxOutputBytes,
      signal,
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
