// A fast non-cryptographic string hash (cyrb53: two 32-bit multiply-xor lanes, 53 bits out),
// chainable through its seed. Only needs to be stable across processes and versions of Node:
// two gateway replicas must compute the same value for the same text.

export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Hash of `text` chained onto a parent hash (53-bit): both parent halves feed the seed and text. */
export function chainHash(parent: number, text: string): number {
  const hi = Math.floor(parent / 4294967296);
  const lo = parent >>> 0;
  return cyrb53(text, (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0);
}
