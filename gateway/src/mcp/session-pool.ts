// The MCP sessions of one response: each server is connected at most once (on first use, by the
// tool listing or the first call) and every session is closed when the response ends.
import type { ServerAllowlist } from './allowlist.js';
import { McpSession, type McpServerRef } from './session.js';

export class SessionPool {
  private readonly sessions = new Map<string, Promise<McpSession>>();

  constructor(
    private readonly allowlist: ServerAllowlist,
    private readonly connectTimeoutMs: number,
  ) {}

  get(server: McpServerRef, signal?: AbortSignal): Promise<McpSession> {
    const key = `${server.url}\u0000${JSON.stringify(server.headers)}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = McpSession.open(server, this.allowlist, this.connectTimeoutMs, signal);
      this.sessions.set(key, s);
      // A failed connection is not kept: the next use tries again.
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }
}
