// Regular expressions from untrusted sources (tool schemas' `pattern` / `patternProperties`,
// redaction patterns) run on RE2 semantics (re2js, a pure-JS port of RE2): matching time is
// linear in the input whatever the pattern, so no pattern can stall the event loop. What RE2
// cannot express — lookaround, backreferences, counted repetition above 1000 — is refused
// when the pattern is admitted, with RE2's reason.
import { RE2JS } from 're2js';

export class LinearRegexError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(
      `pattern ${JSON.stringify(pattern)} is not supported: ${reason} (patterns run on a linear-time RE2 engine: no lookaround, no backreferences, repetition counts up to 1000)`,
    );
    this.name = 'LinearRegexError';
  }
}

const hex4 = /^[0-9a-fA-F]{4}$/;

/**
 * ECMAScript escapes RE2 spells differently: `\uXXXX` (a surrogate pair as one code point) and
 * `\u{X…}` become `\x{…}`. Everything else passes through unchanged for RE2 to accept or refuse.
 */
export function toRe2Syntax(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = pattern[i + 1];
    if (next === 'u' && pattern[i + 2] === '{') {
      const close = pattern.indexOf('}', i + 3);
      if (close > i + 3 && /^[0-9a-fA-F]+$/.test(pattern.slice(i + 3, close))) {
        out += `\\x{${pattern.slice(i + 3, close)}}`;
        i = close;
        continue;
      }
    }
    if (next === 'u' && hex4.test(pattern.slice(i + 2, i + 6))) {
      let code = parseInt(pattern.slice(i + 2, i + 6), 16);
      let end = i + 5;
      const low = pattern.slice(i + 6, i + 12);
      if (code >= 0xd800 && code <= 0xdbff && low.startsWith('\\u') && hex4.test(low.slice(2))) {
        const lo = parseInt(low.slice(2), 16);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (lo - 0xdc00);
          end = i + 11;
        }
      }
      out += `\\x{${code.toString(16)}}`;
      i = end;
      continue;
    }
    out += ch + (next ?? '');
    i++;
  }
  return out;
}

const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

// Compiled patterns are immutable and shared: schemas repeat the same few patterns many times.
const compiled = new Map<string, RE2JS>();
const COMPILED_CAP = 4096;

/** Compiles an ECMAScript-syntax pattern on RE2 (memoized); flags i, m, s apply, u and g are implied. */
export function compileLinear(pattern: string, flags = ''): RE2JS {
  const key = `${flags}/${pattern}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  let bits = 0;
  for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
  let re: RE2JS;
  try {
    re = RE2JS.compile(toRe2Syntax(pattern), bits);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '');
    throw new LinearRegexError(pattern, reason);
  }
  if (compiled.size >= COMPILED_CAP) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, re);
  return re;
}

/** Every non-overlapping match, left to right, replaced by `replacement(match)`. Linear time. */
export function replaceAllLinear(
  re: RE2JS,
  text: string,
  replacement: (match: string, groups: (string | undefined)[]) => string,
): string {
  let out = '';
  let last = 0;
  for (const m of re.matchAll(text)) {
    const at = m.index ?? last;
    out += text.slice(last, at) + replacement(m[0], m.slice(1));
    last = at + m[0].length;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Ajv's `code.regExp` engine: schema patterns compile and test on RE2. */
export interface LinearRegExpEngine {
  (pattern: string, flags: string): { test(s: string): boolean; toString(): string };
  /** How ajv's standalone code obtains the engine (see validator-code.ts's require shim). */
  code: string;
}

export const LINEAR_REGEXP_MODULE = 'toolgate:linear-regex';

/**
 * Used while Ajv generates a validator: compiles every pattern at once, so one RE2 cannot
 * express fails the schema's compilation. The generated code itself uses lazyLinearRegExp.
 */
export const linearRegExp: LinearRegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const re = compileLinear(pattern, flags);
    return { test: (s: string) => re.test(s), toString: () => `/${pattern}/${flags}` };
  },
  { code: `require(${JSON.stringify(LINEAR_REGEXP_MODULE)}).lazyLinearRegExp` },
);

/** For loading already-checked code: each pattern compiles on its first test, not at load time. */
export function lazyLinearRegExp(pattern: string, flags: string): { test(s: string): boolean; toString(): string } {
  let re: RE2JS | null = null;
  return {
    test: (s: string) => (re ??= compileLinear(pattern, flags)).test(s),
    toString: () => `/${pattern}/${flags}`,
  };
}
