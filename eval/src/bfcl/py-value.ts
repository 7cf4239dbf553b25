// Python-faithful JSON values. The official BFCL checker runs on `json.loads` output, where 5 and
// 5.0 are different types (int vs float), True == 1, and dicts keep insertion order. JSON.parse
// loses the int/float distinction, so the checker works on this tagged representation instead.

export type PyValue =
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'list'; v: PyValue[] }
  | { t: 'dict'; v: Map<string, PyValue> };

export type PyType = PyValue['t'];

export class PyJsonError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message}: char ${pos}`);
    this.name = 'PyJsonError';
  }
}

export const pyStr = (v: string): PyValue => ({ t: 'str', v });
export const pyNone: PyValue = { t: 'none' };

/** `json.loads(text)` with Python's rules: NaN/Infinity allowed, ints exact, strict strings. */
export function parsePyJson(text: string): PyValue {
  const p = new Parser(text);
  p.ws();
  const value = p.value();
  p.ws();
  if (p.i !== text.length) throw new PyJsonError('Extra data', p.i);
  return value;
}

const NUMBER = /(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.i++;
      else break;
    }
  }

  value(): PyValue {
    const s = this.s;
    const c = s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { t: 'str', v: this.string() };
    if (s.startsWith('null', this.i)) return ((this.i += 4), pyNone);
    if (s.startsWith('true', this.i)) return ((this.i += 4), { t: 'bool', v: true });
    if (s.startsWith('false', this.i)) return ((this.i += 5), { t: 'bool', v: false });
    if (s.startsWith('NaN', this.i)) return ((this.i += 3), { t: 'float', v: NaN });
    if (s.startsWith('Infinity', this.i)) return ((this.i += 8), { t: 'float', v: Infinity });
    if (s.startsWith('-Infinity', this.i)) return ((this.i += 9), { t: 'float', v: -Infinity });
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(s);
    if (m) {
      this.i += m[0].length;
      if (m[2] === undefined && m[3] === undefined) return { t: 'int', v: BigInt(m[1]!) };
      return { t: 'float', v: Number(m[0]) };
    }
    throw new PyJsonError('Expecting value', this.i);
  }

  object(): PyValue {
    const out = new Map<string, PyValue>();
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') return (this.i++, { t: 'dict', v: out });
    for (;;) {
      if (this.s[this.i] !== '"') throw new PyJsonError('Expecting property name enclosed in double quotes', this.i);
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') throw new PyJsonError("Expecting ':' delimiter", this.i);
      this.i++;
      this.ws();
      out.set(key, this.value()); // duplicate keys: last value wins, first position kept (as CPython)
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { t: 'dict', v: out };
      if (c !== ',') throw new PyJsonError("Expecting ',' delimiter", this.i - 1);
      this.ws();
    }
  }

  array(): PyValue {
    const out: PyValue[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') return (this.i++, { t: 'list', v: out });
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { t: 'list', v: out };
      if (c !== ',') throw new PyJsonError("Expecting ',' delimiter", this.i - 1);
    }
  }

  string(): string {
    const s = this.s;
    let out = '';
    this.i++;
    for (;;) {
      if (this.i >= s.length) throw new PyJsonError('Unterminated string', this.i);
      const c = s[this.i++]!;
      if (c === '"') return out;
      if (c < ' ') throw new PyJsonError('Invalid control character', this.i - 1);
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.i++];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && e in simple) out += simple[e]!;
      else if (e === 'u') {
        const hex = s.slice(this.i, this.i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PyJsonError('Invalid \\uXXXX escape', this.i);
        out += String.fromCharCode(parseInt(hex, 16)); // UTF-16 pairs recombine in JS strings
        this.i += 4;
      } else throw new PyJsonError('Invalid \\escape', this.i - 1);
    }
  }
}

/** Convert plain JS data (e.g. a JSON.parse result) — every number becomes int if integral. */
export function fromJs(x: unknown): PyValue {
  if (x === null || x === undefined) return pyNone;
  if (typeof x === 'string') return { t: 'str', v: x };
  if (typeof x === 'boolean') return { t: 'bool', v: x };
  if (typeof x === 'number') return Number.isInteger(x) ? { t: 'int', v: BigInt(x) } : { t: 'float', v: x };
  if (Array.isArray(x)) return { t: 'list', v: x.map(fromJs) };
  if (typeof x === 'object') return { t: 'dict', v: new Map(Object.entries(x).map(([k, v]) => [k, fromJs(v)])) };
  throw new TypeError(`unsupported value ${typeof x}`);
}

/** Back to plain JS (ints as numbers; precision beyond 2^53 is lost, fine for reports). */
export function toJs(x: PyValue): unknown {
  switch (x.t) {
    case 'int':
      return Number(x.v);
    case 'float':
    case 'str':
    case 'bool':
      return x.v;
    case 'none':
      return null;
    case 'list':
      return x.v.map(toJs);
    case 'dict':
      return Object.fromEntries([...x.v].map(([k, v]) => [k, toJs(v)]));
  }
}

function numeric(x: PyValue): { int?: bigint; float?: number } | null {
  if (x.t === 'int') return { int: x.v };
  if (x.t === 'bool') return { int: x.v ? 1n : 0n };
  if (x.t === 'float') return { float: x.v };
  return null;
}

/** Python `a == b` for JSON-derived values (bool/int/float compare numerically, exactly). */
export function pyEq(a: PyValue, b: PyValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na && nb) {
    if (na.int !== undefined && nb.int !== undefined) return na.int === nb.int;
    if (na.float !== undefined && nb.float !== undefined) return na.float === nb.float;
    const i = (na.int ?? nb.int)!;
    const f = (na.float ?? nb.float)!;
    return Number.isFinite(f) && Number.isInteger(f) && BigInt(f) === i;
  }
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'str':
      return a.v === (b as typeof a).v;
    case 'none':
      return true;
    case 'list': {
      const bv = (b as typeof a).v;
      return a.v.length === bv.length && a.v.every((x, i) => pyEq(x, bv[i]!));
    }
    case 'dict': {
      const bv = (b as typeof a).v;
      if (a.v.size !== bv.size) return false;
      for (const [k, v] of a.v) {
        const o = bv.get(k);
        if (o === undefined || !pyEq(v, o)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Python `x in items` (list membership by ==). */
export const pyIn = (x: PyValue, items: readonly PyValue[]): boolean => items.some((e) => pyEq(x, e));

/** Python `len(x)`; throws the TypeError Python would raise for numbers, bools and None. */
export function pyLen(x: PyValue): number {
  if (x.t === 'str') return [...x.v].length;
  if (x.t === 'list') return x.v.length;
  if (x.t === 'dict') return x.v.size;
  throw new PyCrash('TypeError', `object of type '${pyTypeName(x)}' has no len()`);
}

export function pyTypeName(x: PyValue): string {
  return x.t === 'none' ? 'NoneType' : x.t;
}

/** Stands for an exception the official Python checker would raise on the same input. */
export class PyCrash extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(`${pyType}: ${message}`);
    this.name = 'PyCrash';
  }
}

/**
 * Python's `repr(x)`, exactly: BFCL builds executable call strings with it (`f(k=repr(v))`, in
 * model_handler/utils.py convert_to_function_call), and its error messages quote values with it.
 */
export function pyRepr(x: PyValue): string {
  switch (x.t) {
    case 'int':
      return x.v.toString();
    case 'float':
      return pyFloatRepr(x.v);
    case 'str':
      return pyStrRepr(x.v);
    case 'bool':
      return x.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return `[${x.v.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${[...x.v].map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
}

/** `repr(float)`: the shortest round-trip digits (as JS), fixed notation for 1e-4 ≤ |x| < 1e16. */
export function pyFloatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const point = exp + 1; // digits before the decimal point
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : digits.length <= point
        ? `${digits}${'0'.repeat(point - digits.length)}.0`
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? '-' : '') + body;
}

// str.isprintable() is false for these categories (space excepted).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** `repr(str)`: single quotes unless the text has ' and no ", Python's escapes for the rest. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f || ch === ' ' || !NON_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** `json.dumps(x)`-compatible text (floats keep their ".0", so int/float survive a round trip). */
export function pyToJson(x: PyValue): string {
  switch (x.t) {
    case 'int':
      return x.v.toString();
    case 'float':
      if (Number.isNaN(x.v)) return 'NaN';
      if (!Number.isFinite(x.v)) return x.v > 0 ? 'Infinity' : '-Infinity';
      return Number.isInteger(x.v) && Math.abs(x.v) < 1e16 ? `${x.v}.0` : String(x.v);
    case 'str':
      return JSON.stringify(x.v);
    case 'bool':
      return x.v ? 'true' : 'false';
    case 'none':
      return 'null';
    case 'list':
      return `[${x.v.map(pyToJson).join(', ')}]`;
    case 'dict':
      return `{${[...x.v].map(([k, v]) => `${JSON.stringify(k)}: ${pyToJson(v)}`).join(', ')}}`;
  }
}
