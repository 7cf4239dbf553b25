// Stored responses: what `previous_response_id`, `item_reference` input items and
// GET/DELETE /v1/responses/{id} read. The state lives at the gateway, not in the pods (vLLM keeps
// it in one process's memory, off by default and never evicted): in Redis when one is configured,
// so every replica sees every response, else in this process (bounded, least recently used out
// first). Both expire entries after `responses.ttlSeconds`.
import type { Redis } from 'ioredis';
import { GatewayError } from '../api/errors.js';
import type { ChatMessage } from './input-items.js';
import type { Obj, ResponseObject } from './protocol.js';

export interface StoredResponse {
  response: ResponseObject;
  /** The chat conversation before this response's output (the request's instructions excluded). */
  context: ChatMessage[];
  /** server_labels whose mcp_list_tools item is already in the conversation. */
  listed: string[];
  /** The session key the conversation's model calls carry when the client gives none (its first response's id). */
  session?: string;
}

export interface ResponseStore {
  get(id: string): Promise<StoredResponse | null>;
  /** An output item of a stored response, by its id. */
  getItem(id: string): Promise<Obj | null>;
  put(entry: StoredResponse): Promise<void>;
  /** False when there was nothing to delete. */
  delete(id: string): Promise<boolean>;
}

export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, { entry: StoredResponse; expires: number }>();
  private readonly items = new Map<string, string>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<StoredResponse | null> {
    const e = this.entries.get(id);
    if (!e) return null;
    if (e.expires <= this.now()) {
      this.remove(id);
      return null;
    }
    // Least recently used goes first: a read moves the entry to the back.
    this.entries.delete(id);
    this.entries.set(id, e);
    return structuredClone(e.entry);
  }

  async getItem(id: string): Promise<Obj | null> {
    const owner = this.items.get(id);
    if (!owner) return null;
    const entry = await this.get(owner);
    return (entry?.response.output.find((i) => i.id === id) as Obj | undefined) ?? null;
  }

  async put(entry: StoredResponse): Promise<void> {
    const id = entry.response.id;
    this.remove(id);
    this.entries.set(id, { entry: structuredClone(entry), expires: this.now() + this.ttlMs });
    for (const item of entry.response.output) this.items.set(item.id, id);
    while (this.entries.size > this.maxEntries) this.remove(this.entries.keys().next().value!);
  }

  async delete(id: string): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e || e.expires <= this.now()) {
      this.remove(id);
      return false;
    }
    this.remove(id);
    return true;
  }

  private remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    for (const item of e.entry.response.output) if (this.items.get(item.id) === id) this.items.delete(item.id);
  }
}

const RESPONSE_KEY = (id: string) => `toolgate:response:${id}`;
const ITEM_KEY = (id: string) => `toolgate:response-item:${id}`;

/** The shared store: one key per response (its JSON) and one per output item (its response's id), all with the TTL. */
export class RedisResponseStore implements ResponseStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async get(id: string): Promise<StoredResponse | null> {
    const text = await this.call(() => this.redis.get(RESPONSE_KEY(id)));
    return text ? (JSON.parse(text) as StoredResponse) : null;
  }

  async getItem(id: string): Promise<Obj | null> {
    const owner = await this.call(() => this.redis.get(ITEM_KEY(id)));
    if (!owner) return null;
    const entry = await this.get(owner);
    return (entry?.response.output.find((i) => i.id === id) as Obj | undefined) ?? null;
  }

  async put(entry: StoredResponse): Promise<void> {
    const id = entry.response.id;
    const tx = this.redis.multi().set(RESPONSE_KEY(id), JSON.stringify(entry), 'EX', this.ttlSeconds);
    for (const item of entry.response.output) tx.set(ITEM_KEY(item.id), id, 'EX', this.ttlSeconds);
    await this.call(() => tx.exec());
  }

  async delete(id: string): Promise<boolean> {
    const entry = await this.get(id);
    if (!entry) return false;
    await this.call(() => this.redis.del(RESPONSE_KEY(id), ...entry.response.output.map((i) => ITEM_KEY(i.id))));
    return true;
  }

  /** A Redis failure is the gateway's: 503, never a wrong "not found". */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new GatewayError(503, `The response store is unavailable: ${(err as Error).message}`, {
        code: 'store_unavailable',
        headers: { 'retry-after': '1' },
      });
    }
  }
}
