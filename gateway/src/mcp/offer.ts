// An MCP server's tools as the model sees them: filtered by the request's `allowed_tools`,
// offered as chat function tools (the MCP tool's own name, its description, its inputSchema as
// the parameters), each marked with whether a call needs the client's approval first.
import type { ApprovalPolicy, McpToolSpec } from '../responses/request.js';
import type { McpTool } from './session.js';

export interface OfferedTool {
  server: McpToolSpec;
  tool: McpTool;
  /** A call waits for an mcp_approval_response before it runs. */
  approval: boolean;
}

export function offerServerTools(server: McpToolSpec, tools: readonly McpTool[]): OfferedTool[] {
  const allowed = server.allowedTools ? new Set(server.allowedTools) : null;
  return tools
    .filter((t) => !allowed || allowed.has(t.name))
    .map((tool) => ({ server, tool, approval: needsApproval(server.requireApproval, tool.name) }));
}

/** OpenAI's rule: 'never' and 'always' as said; with a filter, a tool listed under `never` runs freely, any other waits. */
export function needsApproval(policy: ApprovalPolicy, name: string): boolean {
  if (policy === 'never') return false;
  if (policy === 'always') return true;
  if (policy.never?.includes(name)) return false;
  return true;
}

/** The chat function tool the model is offered. */
export function asChatTool(t: OfferedTool): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: t.tool.name, parameters: t.tool.inputSchema };
  if (t.tool.description) fn.description = t.tool.description;
  return { type: 'function', function: fn };
}
