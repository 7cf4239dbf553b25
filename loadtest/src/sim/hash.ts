// Small, stable, non-cryptographic hashing and seeded randomness. Every "random" choice in the
// simulator is a pure function of (seed, request content) built from these, so runs are
// reproducible regardless of arrival order or concurrency.

/** FNV-1a over a string's UTF-16 code units, 32-bit. */
export function fnv1a(str: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Mixes several parts into one 32-bit hash (order matters). */
export function hashParts(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = fnv1a(`${typeof p}:${String(p)}\u0000`, h);
  return avalanche(h);
}

/** murmur3 finaliser: spreads low-entropy inputs over all 32 bits. */
export function avalanche(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic number in [0, 1) from the given parts. */
export function unitFloat(...parts: Array<string | number>): number {
  return hashParts(...parts) / 4294967296;
}

/** mulberry32: tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JSON with object keys sorted, so semantically equal requests hash equally. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

/** 32 lowercase hex chars derived from the parts (ids that look like vLLM's random_uuid()). */
export function hexId(...parts: Array<string | number>): string {
  let out = '';
  for (let i = 0; i < 4; i++)
    out += hashParts(i, ...parts)
      .toString(16)
      .padStart(8, '0');
  return out;
}
