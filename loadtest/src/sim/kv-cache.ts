// Paged KV cache with automatic prefix caching, modelled on vLLM V1's BlockPool: full prompt
// blocks are identified by chained hashes (hash(parent hash, block token ids)); blocks whose
// last user finished stay cached (ref count 0) until evicted in LRU order. Usage counts only
// blocks in use, like vLLM's `1 - free/total` where cached-but-unused blocks count as free.
import { fnv1a } from './hash.js';

/** Chained hashes of the full blocks of `ids` (a trailing partial block is not cacheable). */
export function blockHashes(ids: readonly number[], blockSize: number): string[] {
  const out: string[] = [];
  let parentA = 0x811c9dc5;
  let parentB = 0x01000193;
  for (let start = 0; start + blockSize <= ids.length; start += blockSize) {
    const chunk = ids.slice(start, start + blockSize).join(',');
    // Two independent 32-bit lanes make accidental collisions practically impossible.
    const a = fnv1a(`${parentA}|${parentB}|${chunk}`);
    const b = fnv1a(`${chunk}|${parentB}|${parentA}`, 0x9747b28c);
    parentA = a;
    parentB = b;
    out.push(`${a.toString(16)}${b.toString(16)}`);
  }
  return out;
}

/** What one request holds: the hashed prompt blocks it references plus private blocks. */
export interface KvHolding {
  hashed: string[];
  privateBlocks: number;
}

export class KvCache {
  private readonly refs = new Map<string, number>();
  /** Cached blocks nobody uses, oldest first (Map keeps insertion order: delete+set = touch). */
  private readonly evictable = new Map<string, true>();
  private usedBlocks = 0;

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {}

  get used(): number {
    return this.usedBlocks;
  }

  usage(): number {
    return this.numBlocks > 0 ? this.usedBlocks / this.numBlocks : 0;
  }

  /** Number of leading blocks of `hashes` present in the cache (in use or evictable). */
  cachedPrefixBlocks(hashes: readonly string[]): number {
    let n = 0;
    while (n < hashes.length && this.refs.has(hashes[n]!)) n++;
    return n;
  }

  /**
   * Grows `holding` to `totalBlocks` blocks. Block i < hashes.length is the shared block
   * hashes[i]; later ones are private. Evicts LRU cached blocks as needed. All-or-nothing:
   * returns false (and changes nothing) when the blocks do not fit.
   */
  grow(holding: KvHolding, hashes: readonly string[], totalBlocks: number): boolean {
    const have = holding.hashed.length + holding.privateBlocks;
    if (totalBlocks <= have) return true;
    let fresh = 0;
    const revive: string[] = [];
    for (let i = have; i < totalBlocks; i++) {
      const h = i < hashes.length && holding.privateBlocks === 0 ? hashes[i] : undefined;
      if (h === undefined) fresh++;
      else if (this.evictable.has(h)) revive.push(h);
      else if (!this.refs.has(h)) fresh++; // else: in use by another request, shared at no cost
    }
    if (this.usedBlocks + revive.length + fresh > this.numBlocks) return false;
    // Evict enough idle cached blocks (never the ones about to be revived).
    let excess = this.usedBlocks + revive.length + fresh + (this.evictable.size - revive.length) - this.numBlocks;
    if (excess > 0) {
      const keep = new Set(revive);
      for (const h of this.evictable.keys()) {
        if (excess <= 0) break;
        if (keep.has(h)) continue;
        this.evictable.delete(h);
        this.refs.delete(h);
        excess--;
      }
    }
    for (let i = have; i < totalBlocks; i++) {
      const h = i < hashes.length && holding.privateBlocks === 0 ? hashes[i] : undefined;
      if (h === undefined) {
        holding.privateBlocks++;
        this.usedBlocks++;
        continue;
      }
      const ref = this.refs.get(h) ?? 0;
      if (ref === 0) {
        this.evictable.delete(h);
        this.usedBlocks++;
      }
      this.refs.set(h, ref + 1);
      holding.hashed.push(h);
    }
    return true;
  }

  /** Releases everything `holding` references; its hashed blocks stay cached (tail evicted first). */
  release(holding: KvHolding): void {
    this.usedBlocks -= holding.privateBlocks;
    holding.privateBlocks = 0;
    for (let i = holding.hashed.length - 1; i >= 0; i--) {
      const h = holding.hashed[i]!;
      const ref = (this.refs.get(h) ?? 1) - 1;
      if (ref <= 0) {
        this.refs.set(h, 0);
        this.evictable.set(h, true);
        this.usedBlocks--;
      } else this.refs.set(h, ref);
    }
    holding.hashed = [];
  }
}
