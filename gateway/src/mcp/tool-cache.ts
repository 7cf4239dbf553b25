// Tool lists per MCP server, cached for `mcp.toolListTtlMs`: the key is the server URL and a
// hash of the headers sent with it (a different token may see different tools). Concurrent
// requests for the same server share one listing; a failed listing is not cached.
import { createHash } from 'node:crypto';
import type { McpServerRef, McpTool } from './session.js';

const MAX_SERVERS = 1024;

export class ToolListCache {
  private readonly entries = new Map<string, { at: number; tools: Promise<McpTool[]> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached list, or the one `load` produces (shared with concurrent callers). */
  get(server: McpServerRef, load: () => Promise<McpTool[]>): Promise<McpTool[]> {
    const key = keyOf(server);
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.tools;
    const tools = load();
    this.entries.delete(key);
    if (this.ttlMs > 0) {
      this.entries.set(key, { at: this.now(), tools });
      if (this.entries.size > MAX_SERVERS) this.entries.delete(this.entries.keys().next().value!);
      tools.catch(() => {
        if (this.entries.get(key)?.tools === tools) this.entries.delete(key);
      });
    }
    return tools;
  }
}

function keyOf(server: McpServerRef): string {
  const headers = Object.entries(server.headers)
    .map(([k, v]) => [k.toLowerCase(), v])
    .sort(([a], [b]) => (a! < b! ? -1 : 1));
  return `${server.url}\u0000${createHash('sha256').update(JSON.stringify(headers)).digest('base64')}`;
}
