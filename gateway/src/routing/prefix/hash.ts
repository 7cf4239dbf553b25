// A fast non-cryptographic string hash (cyrb53: two 32-bit multiply-xor lanes, 53 bits out),
// chainable through its seed. Only needs to be stable across processes and versions of Node:
// two gateway replicas must compute the same value for the same text. The lane constants and
// the final mix are exported for the streaming hasher in canonical.ts, which feeds the lanes
// one UTF-16 unit at a time and must agree with cyrb53 exactly.

export const CYRB53_H1 = 0xdeadbeef;
export const CYRB53_H2 = 0x41c6ce57;

/** The final mix of cyrb53's two lanes into a 53-bit number. */
export function cyrb53Finish(a: number, b: number): number {
  let h1 = Math.imul(a ^ (a >>> 16), 2246822507);
  h1 ^= Math.imul(b ^ (b >>> 13), 3266489909);
  let h2 = Math.imul(b ^ (b >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function cyrb53(text: string, seed = 0): number {
  let h1 = CYRB53_H1 ^ seed;
  let h2 = CYRB53_H2 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return cyrb53Finish(h1, h2);
}

/** The seed a block is hashed with after `parent` (53-bit): both parent halves feed it. */
export function chainSeed(parent: number): number {
  const hi = Math.floor(parent / 4294967296);
  const lo = parent >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

/** Hash of `text` chained onto a parent hash. */
export function chainHash(parent: number, text: string): number {
  return cyrb53(text, chainSeed(parent));
}
