// Optional API keys. Keys come from a file (one per line) and/or an env variable (comma-separated);
// each entry is a plain key or `sha256:<64 hex>` so operators need not store plain keys at all.
// Only SHA-256 digests are kept in memory; a presented key is hashed and compared against every
// stored digest with timingSafeEqual (no early exit), so timing reveals nothing about which or
// how many digests matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuthConfig } from './config.js';

export interface ApiKeyStore {
  /** False when no keys are configured: auth is off. */
  readonly enabled: boolean;
  readonly size: number;
  /** The key's id (first 16 hex chars of its SHA-256) when it is known, else null. */
  verify(presented: string): string | null;
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
/** Stable, non-secret id of a key for logs, metrics-free rate-limit buckets and headers. */
export const keyId = (digest: Buffer): string => digest.toString('hex').slice(0, 16);

const HASHED = /^sha256:([0-9a-fA-F]{64})$/;

/** Parses key entries; throws on a malformed `sha256:` entry so typos fail at start-up. */
export function parseKeyEntries(text: string, source: string): Buffer[] {
  const out: Buffer[] = [];
  text.split(/[\n,]/).forEach((raw, i) => {
    const entry = raw.replace(/#.*$/, '').trim();
    if (!entry) return;
    if (entry.startsWith('sha256:')) {
      const m = HASHED.exec(entry);
      if (!m) throw new Error(`${source}: entry ${i + 1} starts with sha256: but is not 64 hex digits`);
      out.push(Buffer.from(m[1] as string, 'hex'));
    } else out.push(sha256(entry));
  });
  return out;
}

export function createApiKeyStore(digests: Buffer[]): ApiKeyStore {
  const unique = [...new Map(digests.map((d) => [d.toString('hex'), d])).values()];
  return {
    enabled: unique.length > 0,
    size: unique.length,
    verify(presented: string): string | null {
      if (presented.length === 0) return null;
      const d = sha256(presented);
      let hit: Buffer | null = null;
      for (const k of unique) if (timingSafeEqual(k, d)) hit = k;
      return hit ? keyId(hit) : null;
    },
  };
}

/** Loads keys from `auth.apiKeysFile` and the env variable named by `auth.apiKeysEnv`. */
export function loadApiKeys(cfg: AuthConfig, env: NodeJS.ProcessEnv = process.env): ApiKeyStore {
  const digests: Buffer[] = [];
  if (cfg.apiKeysFile) {
    let text: string;
    try {
      text = readFileSync(cfg.apiKeysFile, 'utf8');
    } catch (err) {
      throw new Error(`auth.apiKeysFile: cannot read ${cfg.apiKeysFile}: ${(err as Error).message}`);
    }
    digests.push(...parseKeyEntries(text, cfg.apiKeysFile));
  }
  const fromEnv = env[cfg.apiKeysEnv];
  if (fromEnv) digests.push(...parseKeyEntries(fromEnv, `$${cfg.apiKeysEnv}`));
  return createApiKeyStore(digests);
}
