// Optional API keys. Keys come from a file (one per line) and/or an env variable (comma-separated);
// each entry is a plain key or `sha256:<64 hex>` so operators need not store plain keys at all.
// Only SHA-256 digests are kept in memory; a presented key is hashed and compared against every
// stored digest with timingSafeEqual (no early exit), so timing reveals nothing about which or
// how many digests matched. `secrets` lets capture redact the keys from recorded text (exact
// values, whatever their shape) from digests and fingerprints alone: plain-text entries are known
// from start-up, `sha256:` entries from the first time a client presents them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuthConfig } from './config.js';
import { KnownSecrets } from './known-secrets.js';

export interface ApiKeyStore {
  /** False when no keys are configured: auth is off. */
  readonly enabled: boolean;
  readonly size: number;
  /** The key's id (first 16 hex chars of its SHA-256) when it is known, else null. */
  verify(presented: string): string | null;
  /** The keys capture must redact (see KnownSecrets). */
  readonly secrets: KnownSecrets;
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
/** Stable, non-secret id of a key for logs, metrics-free rate-limit buckets and headers. */
export const keyId = (digest: Buffer): string => digest.toString('hex').slice(0, 16);

const HASHED = /^sha256:([0-9a-fA-F]{64})$/;

interface KeyEntry {
  digest: Buffer;
  /** The key itself, for a plain-text entry (used only to seed KnownSecrets, then dropped). */
  plain: string | null;
}

function parseEntries(text: string, source: string): KeyEntry[] {
  const out: KeyEntry[] = [];
  text.split(/[\n,]/).forEach((raw, i) => {
    const entry = raw.replace(/#.*$/, '').trim();
    if (!entry) return;
    if (entry.startsWith('sha256:')) {
      const m = HASHED.exec(entry);
      if (!m) throw new Error(`${source}: entry ${i + 1} starts with sha256: but is not 64 hex digits`);
      out.push({ digest: Buffer.from(m[1] as string, 'hex'), plain: null });
    } else out.push({ digest: sha256(entry), plain: entry });
  });
  return out;
}

/** Parses key entries; throws on a malformed `sha256:` entry so typos fail at start-up. */
export function parseKeyEntries(text: string, source: string): Buffer[] {
  return parseEntries(text, source).map((e) => e.digest);
}

export function createApiKeyStore(digests: Buffer[], secrets = new KnownSecrets()): ApiKeyStore {
  const unique = [...new Map(digests.map((d) => [d.toString('hex'), d])).values()];
  return {
    enabled: unique.length > 0,
    size: unique.length,
    secrets,
    verify(presented: string): string | null {
      if (presented.length === 0) return null;
      const d = sha256(presented);
      let hit: Buffer | null = null;
      for (const k of unique) if (timingSafeEqual(k, d)) hit = k;
      if (!hit) return null;
      secrets.add(presented, hit.toString('hex')); // a no-op once known
      return keyId(hit);
    },
  };
}

/** Loads keys from `auth.apiKeysFile` and the env variable named by `auth.apiKeysEnv`. */
export function loadApiKeys(cfg: AuthConfig, env: NodeJS.ProcessEnv = process.env): ApiKeyStore {
  const entries: KeyEntry[] = [];
  if (cfg.apiKeysFile) {
    let text: string;
    try {
      text = readFileSync(cfg.apiKeysFile, 'utf8');
    } catch (err) {
      throw new Error(`auth.apiKeysFile: cannot read ${cfg.apiKeysFile}: ${(err as Error).message}`);
    }
    entries.push(...parseEntries(text, cfg.apiKeysFile));
  }
  const fromEnv = env[cfg.apiKeysEnv];
  if (fromEnv) entries.push(...parseEntries(fromEnv, `$${cfg.apiKeysEnv}`));
  const secrets = new KnownSecrets();
  for (const e of entries) if (e.plain !== null) secrets.add(e.plain, e.digest.toString('hex'));
  return createApiKeyStore(
    entries.map((e) => e.digest),
    secrets,
  );
}
