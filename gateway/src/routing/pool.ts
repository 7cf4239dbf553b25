// A named set of backends and the policy that chooses among them. Membership changes at run
// time (discovery `sync`); the policy only ever sees the routable ones: the eligible backends,
// or, while fewer than `panicThreshold` % of the pool is eligible, every backend discovery calls
// ready (Envoy's healthy panic threshold: better to try them all than to overload the few left
// or refuse everything because a correlated failure ejected most of the pool).
import { Backend } from './backend.js';
import type { BreakerOptions } from './circuit-breaker.js';
import type { EngineKindSetting } from './engine-kind.js';
import type { RoutingPolicy } from './policy.js';

/** Who reads tool calls out of this pool's answers: the gateway (raw text) or the pod's parser. */
export type ToolParsing = 'gateway' | 'pod';

export interface PoolOptions {
  connectTimeoutMs: number;
  ejection: BreakerOptions;
  /** Percent of the pool that must be eligible for health to matter (0 = never panic). */
  panicThreshold: number;
  /** CA certificates (PEM) for https:// backends. */
  ca?: string;
  /** Who parses tool calls for this pool's answers (api/toolcalls/parse-mode.ts). */
  toolParsing?: ToolParsing;
  /** Kind of the pool's backends unless a backend says otherwise (discovered ones always use it). */
  kind?: EngineKindSetting;
}

/** One endpoint as discovery reports it. */
export interface DiscoveredEndpoint {
  url: string;
  name?: string;
  ready: boolean;
}

export interface PoolListener {
  added?(backend: Backend): void;
  removed?(backend: Backend): void;
  changed?(backend: Backend): void;
}

export class Pool {
  private readonly members = new Map<string, Backend>();
  private readonly discovered = new Set<string>();
  private readonly listeners: PoolListener[] = [];
  /**
   * Who parses tool calls: as configured, until the start-up check finds a pod that drops the
   * tools under tool_choice "none" (then the pod's own parser is used, with a warning).
   */
  toolParsing: ToolParsing;
  /**
   * The start-up check found a pod here without `--tool-call-parser`: vLLM refuses a forced
   * tool_choice there, so the gateway serves `required`/named itself (api/toolcalls/forced-choice.ts).
   */
  toolParserMissing = false;

  constructor(
    readonly name: string,
    readonly policy: RoutingPolicy,
    private readonly opts: PoolOptions,
  ) {
    this.toolParsing = opts.toolParsing ?? 'gateway';
  }

  get backends(): Backend[] {
    return [...this.members.values()];
  }

  eligible(): Backend[] {
    return this.backends.filter((b) => b.healthy);
  }

  /** Backends to route to now, and whether the pool is in panic (health disregarded). */
  routable(): { backends: Backend[]; panic: boolean } {
    const members = this.backends;
    const eligible = members.filter((b) => b.healthy);
    if (members.length === 0 || eligible.length * 100 >= this.opts.panicThreshold * members.length)
      return { backends: eligible, panic: false };
    const ready = members.filter((b) => b.ready);
    return ready.length > eligible.length ? { backends: ready, panic: true } : { backends: eligible, panic: false };
  }

  listen(listener: PoolListener): void {
    this.listeners.push(listener);
  }

  /** The member with this URL (as `add` normalised it), if any. */
  member(url: string): Backend | undefined {
    return this.members.get(url);
  }

  /** Adds a backend (no-op when its URL is already a member) and returns it. */
  add(url: string, name?: string, ready = true, kind: EngineKindSetting | undefined = this.opts.kind): Backend {
    const key = url.replace(/\/+$/, '');
    const existing = this.members.get(key);
    if (existing) return existing;
    const backend = new Backend({
      url: key,
      name,
      pool: this.name,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      ejection: this.opts.ejection,
      ca: this.opts.ca,
      kind,
    });
    backend.ready = ready;
    this.members.set(key, backend);
    for (const l of this.listeners) l.added?.(backend);
    return backend;
  }

  /** Removes a backend; requests already on it finish on their own connections. */
  async remove(url: string): Promise<void> {
    const key = url.replace(/\/+$/, '');
    const backend = this.members.get(key);
    if (!backend) return;
    this.members.delete(key);
    this.discovered.delete(key);
    this.policy.forget?.(backend);
    for (const l of this.listeners) l.removed?.(backend);
    // Let in-flight requests end before closing the connection pool.
    const started = Date.now();
    while (backend.inflight > 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
    await backend.close();
  }

  /**
   * Makes the discovered part of the pool equal `endpoints`: new ones join, missing ones leave,
   * readiness follows. Static backends are never touched.
   */
  sync(endpoints: readonly DiscoveredEndpoint[]): { added: number; removed: number; changed: number } {
    const want = new Map(endpoints.map((e) => [e.url.replace(/\/+$/, ''), e]));
    let added = 0;
    let removed = 0;
    let changed = 0;
    for (const url of [...this.discovered]) {
      if (!want.has(url)) {
        removed++;
        void this.remove(url);
      }
    }
    for (const [url, ep] of want) {
      let backend = this.members.get(url);
      if (!backend) {
        this.discovered.add(url);
        backend = this.add(url, ep.name, ep.ready);
        added++;
        continue;
      }
      if (!this.discovered.has(url)) continue; // also configured statically: static wins
      if (backend.ready !== ep.ready) {
        backend.ready = ep.ready;
        changed++;
        for (const l of this.listeners) l.changed?.(backend);
      }
    }
    return { added, removed, changed };
  }

  async close(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.close()));
    this.members.clear();
    this.discovered.clear();
  }
}
