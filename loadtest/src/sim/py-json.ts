// Python `json.loads` / `json.dumps(..., ensure_ascii=False)` semantics, because vLLM's tool
// parsers run in Python: what parses, key order, int-vs-float, and the exact `arguments` string
// (", " and ": " separators, `5.0` stays `5.0`) must match byte for byte.

/** A parsed Python JSON value: ints are bigint, floats are number, objects are ordered Maps. */
export type PyJson = null | boolean | string | number | bigint | PyJson[] | PyDict;
export type PyDict = Map<string, PyJson>;

export class PyJsonError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message}: char ${pos}`);
    this.name = 'PyJsonError';
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses like Python's json.loads (strict=True): NaN/Infinity accepted, control chars in strings rejected. */
export function pyJsonLoads(text: string): PyJson {
  let i = 0;
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const fail = (msg: string): never => {
    throw new PyJsonError(msg, i);
  };

  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('Unterminated string starting at');
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const esc = text[i + 1];
        if (esc === undefined) fail('Unterminated string starting at');
        if (esc === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        out += ESCAPES[esc!] ?? fail('Invalid \\escape');
        i += 2;
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) fail('Invalid control character at');
      out += ch;
      i++;
    }
  };

  const parseValue = (): PyJson => {
    skip();
    const ch = text[i];
    if (ch === undefined) return fail('Expecting value');
    if (ch === '"') return parseString();
    if (ch === '{') {
      i++;
      const obj: PyDict = new Map();
      skip();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const key = parseString();
        skip();
        if (text[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        obj.set(key, parseValue());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (ch === '[') {
      i++;
      const arr: PyJson[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("Expecting ',' delimiter");
      }
    }
    for (const [lit, val] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return val;
      }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail('Expecting value');
    i += m[0].length;
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
  };

  const value = parseValue();
  skip();
  if (i !== text.length) fail('Extra data');
  return value;
}

/** Python's float.__repr__: shortest round-trip digits, fixed for 1e-4 <= |x| < 1e16, else d.dde±XX. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1) || '0';
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign}${m}e${e}`;
}

function dumpString(s: string): string {
  // ensure_ascii=False: only '"', '\\' and C0 controls are escaped.
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Python's json.dumps(value, ensure_ascii=False) with default separators. */
export function pyJsonDumps(value: PyJson): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return dumpString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return pyFloatRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, v] of value) parts.push(`${dumpString(k)}: ${pyJsonDumps(v)}`);
  return `{${parts.join(', ')}}`;
}

/** Converts a plain JS value (e.g. synthesized arguments) to PyJson: integral numbers become ints. */
export function fromJs(value: unknown): PyJson {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 53 ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(fromJs);
  if (typeof value === 'object') {
    const m: PyDict = new Map();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) m.set(k, fromJs(v));
    return m;
  }
  return String(value);
}

/** Converts PyJson back to plain JS (ints to numbers). */
export function toJs(value: PyJson): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJs);
  if (value instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of value) o[k] = toJs(v);
    return o;
  }
  return value;
}

export function isPyDict(v: PyJson): v is PyDict {
  return v instanceof Map;
}

// Python's str.isspace() set (str.strip() with no argument strips these), which differs from
// JavaScript's trim(): Python also strips \x1c-\x1f and \x85, JavaScript also strips \ufeff.
// eslint-disable-next-line no-control-regex -- Python's str.split() also splits on \x1c-\x1f
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE.test(s[end - 1]!)) end--;
  return s.slice(0, end);
}

export function pyStrip(s: string): string {
  let start = 0;
  while (start < s.length && PY_SPACE.test(s[start]!)) start++;
  return pyRstrip(s.slice(start));
}
