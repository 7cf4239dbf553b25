// Exact-value search for the gateway's own secrets (configured API keys) in arbitrary text, so
// capture can redact them whatever their shape — without keeping them in plain text. For each
// secret only its SHA-256, its length and a rolling-hash fingerprint (two polynomial hashes
// mod 2^32 under random odd bases chosen per process) are kept. find() slides a Rabin–Karp
// window of each distinct length over the text — linear in the text per length, in 32-bit
// integer arithmetic — and confirms every fingerprint hit with SHA-256.
import { createHash, randomInt } from 'node:crypto';

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

const oddBase = (): number => (randomInt(1 << 30) * 2 + 1) | 0;
/** base^n mod 2^32. */
function power(base: number, n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = Math.imul(r, base);
  return r;
}

interface LengthTable {
  /** b^(length-1) mod 2^32 for each hash, to drop the character leaving the window. */
  lead1: number;
  lead2: number;
  /** Cheap first test on the low 16 bits of the first hash. */
  filter: Uint8Array;
  /** fingerprint → SHA-256 hex digests with that fingerprint. */
  prints: Map<string, Set<string>>;
}

export class KnownSecrets {
  private readonly b1 = oddBase();
  private readonly b2 = oddBase();
  private readonly byLength = new Map<number, LengthTable>();
  private readonly digests = new Set<string>();

  private hash(text: string, from: number, len: number): [number, number] {
    let h1 = 0;
    let h2 = 0;
    for (let i = from; i < from + len; i++) {
      const c = text.charCodeAt(i);
      h1 = (Math.imul(h1, this.b1) + c) | 0;
      h2 = (Math.imul(h2, this.b2) + c) | 0;
    }
    return [h1, h2];
  }

  /** Remembers `secret` (idempotent); only its digest, length and fingerprint are kept. */
  add(secret: string, digestHex = sha256Hex(secret)): void {
    if (secret.length === 0 || this.digests.has(digestHex)) return;
    this.digests.add(digestHex);
    const len = secret.length;
    let table = this.byLength.get(len);
    if (!table) {
      table = {
        lead1: power(this.b1, len - 1),
        lead2: power(this.b2, len - 1),
        filter: new Uint8Array(1 << 16),
        prints: new Map(),
      };
      this.byLength.set(len, table);
    }
    const [h1, h2] = this.hash(secret, 0, len);
    table.filter[h1 & 0xffff] = 1;
    const fp = `${h1}:${h2}`;
    table.prints.set(fp, (table.prints.get(fp) ?? new Set()).add(digestHex));
  }

  get size(): number {
    return this.digests.size;
  }

  /** [start, end) of every occurrence of a known secret, sorted, overlapping ones merged. */
  find(text: string): [number, number][] {
    const spans: [number, number][] = [];
    for (const [len, t] of this.byLength) {
      if (text.length < len) continue;
      let [h1, h2] = this.hash(text, 0, len);
      for (let start = 0; ; start++) {
        if (t.filter[h1 & 0xffff] === 1) {
          const hits = t.prints.get(`${h1}:${h2}`);
          if (hits && hits.has(sha256Hex(text.slice(start, start + len)))) spans.push([start, start + len]);
        }
        const end = start + len;
        if (end >= text.length) break;
        const out = text.charCodeAt(start);
        const inc = text.charCodeAt(end);
        h1 = (Math.imul(h1 - Math.imul(out, t.lead1), this.b1) + inc) | 0;
        h2 = (Math.imul(h2 - Math.imul(out, t.lead2), this.b2) + inc) | 0;
      }
    }
    spans.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    }
    return merged;
  }

  /** `text` with every known secret replaced by `mark`. */
  redact(text: string, mark: string): string {
    if (this.byLength.size === 0) return text;
    const spans = this.find(text);
    if (spans.length === 0) return text;
    let out = '';
    let pos = 0;
    for (const [s, e] of spans) {
      out += text.slice(pos, s) + mark;
      pos = e;
    }
    return out + text.slice(pos);
  }
}
