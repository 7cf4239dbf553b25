// A bounded LRU index of recent block-chain hashes → backend URL. Map iteration order is
// insertion order, so delete + set moves an entry to the young end and the first key is the
// least recently used. Size is bounded by entries, so memory stays flat whatever the traffic.

export class PrefixIndex {
  private readonly map = new Map<number, string>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  /**
   * Matches per backend, longest first: for each backend URL the number of leading blocks of the
   * longest chain entry that points to it. Entries found are touched (kept young).
   */
  lookup(hashes: readonly number[]): Array<{ url: string; blocks: number }> {
    const seen = new Map<string, number>();
    for (let i = hashes.length - 1; i >= 0; i--) {
      const url = this.map.get(hashes[i]!);
      if (url === undefined) continue;
      if (!seen.has(url)) seen.set(url, i + 1);
    }
    const out = [...seen]
      .map(([url, blocks]) => ({ url, blocks }))
      .sort((a, b) => b.blocks - a.blocks || (a.url < b.url ? -1 : 1));
    for (const m of out.slice(0, 1)) this.touch(hashes[m.blocks - 1]!, m.url);
    return out;
  }

  /** Records that these blocks now live on `url` (newest owner wins). */
  record(hashes: readonly number[], url: string): void {
    for (const h of hashes) this.touch(h, url);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as number);
  }

  /** Drops every entry of a backend that left the pool. */
  forget(url: string): void {
    for (const [h, u] of this.map) if (u === url) this.map.delete(h);
  }

  private touch(hash: number, url: string): void {
    this.map.delete(hash);
    this.map.set(hash, url);
  }
}
