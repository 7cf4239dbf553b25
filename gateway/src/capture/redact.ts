// Redaction of personal data and secrets, applied by the capture worker to every string value of
// a record before any sink sees it (never on the request path). It is linear in the record
// whatever it contains:
//   - configured patterns (arbitrary, from the operator) run on RE2 (toolcalls/linear-regex.ts);
//   - the built-in patterns run on V8, written so that every attempt that fails stops within a
//     segment no other attempt rescans (see each comment) — re2js costs ~50-100 µs per match,
//     too slow for text full of addresses;
//   - the gateway's own API keys are found by exact value (state/known-secrets.ts).
// Object keys (argument names) and the record's metadata (ids, model, variant, outcome …) are
// left alone, except conversationId, which is replaced by a pseudonym.
import { createHmac } from 'node:crypto';
import { compileLinear, LinearRegexError, replaceAllLinear, setOwn } from '../toolcalls/index.js';
import type { KnownSecrets } from '../state/known-secrets.js';
import type { RedactConfig } from './config.js';

export const EMAIL_MARK = '[REDACTED_EMAIL]';
export const KEY_MARK = '[REDACTED_KEY]';
export const CUSTOM_MARK = '[REDACTED]';

// RFC 5322 is not the goal: the common address shape, with a real-looking TLD. The lookbehind
// lets a match start only where a run of local-part characters starts, so a long run without
// '@' is scanned once, not once per position (that was quadratic: 100k characters, 10 s). The
// domain's labels cannot contain '.', so backtracking over them is linear too.
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

// Secret shapes seen in prompts and tool arguments. Each is specific enough not to eat ordinary
// words; the last one catches `api_key=…`/`"token": "…"` assignments and keeps the key name.
// Each starts at a literal; a failing attempt scans fewer than its minimum count of characters
// (a longer run matches and is consumed), or one whitespace run that no other attempt scans.
const KEY_PATTERNS: RegExp[] = [
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}/g, // OpenAI / Anthropic style
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
];
const KEY_ASSIGNMENT =
  /\b((?:api[_-]?key|apikey|access[_-]?token|secret|password|token)["']?\s*[:=]\s*["']?)([A-Za-z0-9._~+/=-]{8,})/gi;

// Argument keys whose string value is a secret whatever it looks like ({"password": "hunter2…"}).
const SECRET_KEY =
  /^(?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|secret|client[_-]?secret|password|passwd|token|authorization)$/i;

const SKIP_KEYS: ReadonlySet<string> = new Set([
  'kind',
  'v',
  'id',
  'ts',
  'requestId',
  'conversationId',
  'model',
  'variant',
  'backend',
  'outcome',
  'repairs',
  'role',
  'type',
]);

export type Redactor = <T>(value: T) => T;

/** The pseudonym a session id is stored as: turns of one conversation still share it. */
export const sessionPseudonym = (id: string, key = ''): string =>
  `sid:${createHmac('sha256', key).update(id, 'utf8').digest('hex').slice(0, 32)}`;

export interface RedactorDeps {
  /** The gateway's API keys, redacted by exact value (when `apiKeys` is on). */
  secrets?: KnownSecrets;
}

/** Builds a redactor; custom patterns that are invalid or not expressible in RE2 fail here, at start-up. */
export function createRedactor(cfg: RedactConfig, deps: RedactorDeps = {}): Redactor {
  const custom = cfg.patterns.map((p) => {
    try {
      return compileLinear(p);
    } catch (err) {
      const why = err instanceof LinearRegexError ? err.message : (err as Error).message;
      throw new Error(`capture.redact.patterns: invalid regular expression ${JSON.stringify(p)}: ${why}`);
    }
  });
  const secrets = cfg.apiKeys ? deps.secrets : undefined;
  const text = (s: string): string => {
    let out = secrets ? secrets.redact(s, KEY_MARK) : s;
    for (const re of custom) out = replaceAllLinear(re, out, () => CUSTOM_MARK);
    if (cfg.apiKeys) {
      for (const re of KEY_PATTERNS) out = out.replace(re, KEY_MARK);
      out = out.replace(KEY_ASSIGNMENT, (_m, prefix: string) => `${prefix}${KEY_MARK}`);
    }
    if (cfg.email) out = out.replace(EMAIL, EMAIL_MARK);
    return out;
  };
  const leaf = (v: string, key: string | null, inSkipped: boolean): string => {
    if (key === 'conversationId' && cfg.sessionIds) return sessionPseudonym(v, cfg.sessionIdKey);
    if (inSkipped || (key !== null && SKIP_KEYS.has(key))) return secrets ? secrets.redact(v, KEY_MARK) : v;
    if (cfg.apiKeys && key !== null && SECRET_KEY.test(key) && v.length > 0) return KEY_MARK;
    return text(v);
  };
  // Iterative copy: a stack of (source container, copy, the key it hangs under) to fill.
  const walk = (root: unknown): unknown => {
    if (typeof root === 'string') return leaf(root, null, false);
    if (root === null || typeof root !== 'object') return root;
    const copyOf = (v: object): Record<string, unknown> | unknown[] =>
      Array.isArray(v) ? new Array<unknown>(v.length) : {};
    const top = copyOf(root);
    const stack: { src: object; dst: Record<string, unknown> | unknown[]; key: string | null; skipped: boolean }[] = [
      { src: root, dst: top, key: null, skipped: false },
    ];
    while (stack.length > 0) {
      const { src, dst, key, skipped } = stack.pop()!;
      const entries: [string | number, unknown, string | null][] = Array.isArray(src)
        ? src.map((x, i) => [i, x, key] as [number, unknown, string | null]) // array items keep their parent's key
        : Object.entries(src).map(([k, x]) => [k, x, k]);
      for (const [slot, x, k] of entries) {
        let value: unknown = x;
        const inSkipped = skipped || (Array.isArray(src) && key !== null && SKIP_KEYS.has(key));
        if (typeof x === 'string') value = leaf(x, k, inSkipped);
        else if (x !== null && typeof x === 'object') {
          value = copyOf(x);
          stack.push({ src: x, dst: value as Record<string, unknown> | unknown[], key: k, skipped: inSkipped });
        }
        if (Array.isArray(dst)) dst[slot as number] = value;
        else setOwn(dst, slot as string, value);
      }
    }
    return top;
  };
  const active = cfg.email || cfg.apiKeys || custom.length > 0 || cfg.sessionIds;
  return <T>(value: T): T => (active ? (walk(value) as T) : value);
}
