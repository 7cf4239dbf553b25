// The `mcp` config section: which MCP servers a Responses request may make the gateway call
// (none by default), and the limits of the tool loop the gateway runs for it.
import { Type, type Static } from '@sinclair/typebox';

export const mcpConfigSchema = Type.Object(
  {
    allowedServers: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        'URL patterns of the MCP servers a request may name (`*` matches any run of characters, e.g. `https://mcp.example.com/*`). Empty: every `mcp` tool is refused with 400.',
    }),
    toolListTtlMs: Type.Integer({
      minimum: 0,
      default: 300_000,
      description: "How long a server's tool list is cached (per URL and headers); 0 = list on every request.",
    }),
    connectTimeoutMs: Type.Integer({
      minimum: 100,
      default: 10_000,
      description: 'Connecting to a server and listing its tools.',
    }),
    callTimeoutMs: Type.Integer({
      minimum: 100,
      default: 30_000,
      description: 'One tool call; a call that takes longer is reported as an error to the model.',
    }),
    maxSteps: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 8,
      description: 'Model calls in one response (the first answer and one after each round of tool results).',
    }),
    maxCalls: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 16,
      description: 'MCP tool calls executed for one response.',
    }),
    maxLoopMs: Type.Integer({
      minimum: 1000,
      default: 120_000,
      description: 'No new model call or tool call starts after this long since receipt.',
    }),
    maxOutputBytes: Type.Integer({
      minimum: 256,
      default: 65_536,
      description: 'A tool result longer than this (UTF-8 bytes) is cut, with a note, before it reaches the model.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'MCP tools in Responses requests (docs/responses.md#mcp-tools).',
  },
);

export type McpConfig = Static<typeof mcpConfigSchema>;
