// Rendezvous (highest-random-weight) hashing: every gateway replica ranks the same backends in
// the same order for the same key, with no shared state, and a membership change moves only
// the keys of the backend that came or went.
import type { Backend } from '../backend.js';
import { cyrb53 } from '../prefix/hash.js';

export function rendezvousOrder(key: number, backends: readonly Backend[]): Backend[] {
  const seed = (key >>> 0) ^ Math.floor(key / 4294967296);
  return backends
    .map((b) => ({ b, w: cyrb53(b.url, seed) }))
    .sort((x, y) => y.w - x.w || (x.b.url < y.b.url ? -1 : 1))
    .map((x) => x.b);
}
