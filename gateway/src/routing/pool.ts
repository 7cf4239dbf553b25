// A named set of backends and the policy that chooses among them. Membership can change at run
// time (discovery); the policy only ever sees the eligible ones.
import { Backend } from './backend.js';
import type { RoutingPolicy } from './policy.js';

export class Pool {
  private members = new Map<string, Backend>();

  constructor(
    readonly name: string,
    readonly policy: RoutingPolicy,
    private readonly connectTimeoutMs: number,
  ) {}

  get backends(): Backend[] {
    return [...this.members.values()];
  }

  eligible(): Backend[] {
    return this.backends.filter((b) => b.healthy);
  }

  /** Adds a backend (no-op when its URL is already a member) and returns it. */
  add(url: string, name?: string): Backend {
    const key = url.replace(/\/+$/, '');
    const existing = this.members.get(key);
    if (existing) return existing;
    const backend = new Backend({ url: key, name, pool: this.name, connectTimeoutMs: this.connectTimeoutMs });
    this.members.set(key, backend);
    return backend;
  }

  /** Removes a backend; requests already on it finish on their own connections. */
  async remove(url: string): Promise<void> {
    const key = url.replace(/\/+$/, '');
    const backend = this.members.get(key);
    if (!backend) return;
    this.members.delete(key);
    // Let in-flight requests end before closing the connection pool.
    const started = Date.now();
    while (backend.inflight > 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
    await backend.close();
  }

  async close(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.close()));
    this.members.clear();
  }
}
