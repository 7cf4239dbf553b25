// Redaction of personal data and secrets, applied by the capture worker to every string value of
// a record before any sink sees it (never on the request path). Object keys (argument names) and
// the record's own metadata (ids, model, variant, outcome …) are left alone.
import type { RedactConfig } from './config.js';

export const EMAIL_MARK = '[REDACTED_EMAIL]';
export const KEY_MARK = '[REDACTED_KEY]';
export const CUSTOM_MARK = '[REDACTED]';

// RFC 5322 is not the goal: the common address shape, with a real-looking TLD.
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

// Secret shapes seen in prompts and tool arguments. Each is specific enough not to eat ordinary
// words; the last one catches `api_key=…`/`"token": "…"` assignments and keeps the key name.
const KEY_PATTERNS: RegExp[] = [
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}/g, // OpenAI / Anthropic style
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
];
const KEY_ASSIGNMENT = /\b((?:api[_-]?key|apikey|access[_-]?token|secret|password|token)["']?\s*[:=]\s*["']?)([A-Za-z0-9._~+/=-]{8,})/gi;

// Argument keys whose string value is a secret whatever it looks like ({"password": "hunter2…"}).
const SECRET_KEY = /^(?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|secret|client[_-]?secret|password|passwd|token|authorization)$/i;

const SKIP_KEYS: ReadonlySet<string> = new Set([
  'kind', 'v', 'id', 'ts', 'requestId', 'conversationId', 'model', 'variant', 'backend', 'outcome', 'repairs', 'role', 'type',
]);

export type Redactor = <T>(value: T) => T;

/** Builds a redactor; invalid custom patterns fail here, at start-up, with the pattern named. */
export function createRedactor(cfg: RedactConfig): Redactor {
  const custom = cfg.patterns.map((p) => {
    try {
      return new RegExp(p, 'g');
    } catch (err) {
      throw new Error(`capture.redact.patterns: invalid regular expression ${JSON.stringify(p)}: ${(err as Error).message}`);
    }
  });
  const text = (s: string): string => {
    let out = s;
    for (const re of custom) out = out.replace(re, CUSTOM_MARK);
    if (cfg.apiKeys) {
      for (const re of KEY_PATTERNS) out = out.replace(re, KEY_MARK);
      out = out.replace(KEY_ASSIGNMENT, (_m, prefix: string) => `${prefix}${KEY_MARK}`);
    }
    if (cfg.email) out = out.replace(EMAIL, EMAIL_MARK);
    return out;
  };
  const walk = (v: unknown, key: string | null): unknown => {
    if (typeof v === 'string') {
      if (key !== null && SKIP_KEYS.has(key)) return v;
      if (cfg.apiKeys && key !== null && SECRET_KEY.test(key) && v.length > 0) return KEY_MARK;
      return text(v);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, key !== null && SKIP_KEYS.has(key) ? key : null));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    return v;
  };
  const active = cfg.email || cfg.apiKeys || custom.length > 0;
  return <T>(value: T): T => (active ? (walk(value, null) as T) : value);
}
