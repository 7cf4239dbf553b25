// Canonical JSON (sorted keys) and short hashes over it: record content keys for de-duplication,
// conversation ids, and the seeded holdout draw.
import { createHash } from 'node:crypto';

export { canonicalJson } from '../../toolcalls/index.js';

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** A uniform draw in [0, 1) fixed by (seed, key): the same conversation always lands in the same split. */
export function unitHash(seed: string | number, key: string): number {
  return createHash('sha256').update(`${seed}\u0000${key}`, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}
