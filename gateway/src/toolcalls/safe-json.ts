// Safe handling of untrusted JSON: a nesting-depth limit checked on the text before anything
// recursive sees the value, own-property writes that cannot reach a prototype (`__proto__`,
// `constructor`, `prototype` stay ordinary keys), and the canonical serialization, iterative.
// Every place where user JSON enters (request body, history arguments, model output, score
// input, capture files) parses through here, so every walker after it is depth-bounded.

/** Deepest nesting of arrays/objects accepted anywhere user JSON enters the gateway. */
export const MAX_JSON_DEPTH = 64;

/** Thrown by parseJson when the text nests deeper than the limit (callers map it to a 400). */
export class JsonDepthError extends Error {
  constructor(readonly limit: number) {
    super(`JSON nests deeper than ${limit} levels`);
    this.name = 'JsonDepthError';
  }
}

/**
 * Deepest array/object nesting in a JSON text, by one linear scan (double-quoted strings and
 * their escapes skipped). Exact for valid JSON; for lenient text (single quotes, comments) it
 * can only over-count, which errs on the side of refusing. Stops early once past `stopAbove`.
 * String contents are skipped with indexOf: a char-by-char loop took 5× JSON.parse's own time
 * on a 5.6 KB body.
 */
export function jsonTextDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // The closing quote: the next one not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j === -1) return max; // unterminated: the rest is string
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c /* \ */) k--;
        if (((j - 1 - k) & 1) === 0) break;
      }
      i = j;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if ((c === 0x5d /* ] */ || c === 0x7d) /* } */ && depth > 0) depth--;
  }
  return max;
}

/**
 * Whether the text nests deeper than `limit` (jsonTextDepth's reading). A text with no more
 * openers than that cannot, which native indexOf tells without the scan: SSE chunks and most
 * request bodies.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let openers = 0;
  for (let i = text.indexOf('{'); i !== -1 && openers <= limit; i = text.indexOf('{', i + 1)) openers++;
  for (let i = text.indexOf('['); i !== -1 && openers <= limit; i = text.indexOf('[', i + 1)) openers++;
  return openers > limit && jsonTextDepth(text, limit) > limit;
}

/** JSON.parse with the depth limit checked first; throws SyntaxError or JsonDepthError. */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, maxDepth)) throw new JsonDepthError(maxDepth);
  // V8's JSON.parse is iterative and creates `__proto__` as an own data property.
  return JSON.parse(text);
}

/** Deepest nesting of an already-built value, iteratively (for values that did not come from text). */
export function valueDepth(value: unknown, stopAbove = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const here = d + 1;
    if (here > max) {
      max = here;
      if (max > stopAbove) return max;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v))
      if (x !== null && typeof x === 'object') stack.push([x, here]);
  }
  return max;
}

export const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/**
 * obj[key] = value as an own data property, whatever the key: a plain assignment with key
 * `__proto__` would replace the object's prototype instead, hiding the value from
 * Object.keys/JSON.stringify while lookups still find it through the chain.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * `{ ...src, ...extra }`, as fast as a literal. Node 20's V8 gives an object spread that is
 * followed by more properties a fresh hidden class on every call (1–10 µs per object, measured in
 * bench/results/spread.json, `npm run bench:spread`), and the answer path builds several per chunk. Same own keys, same
 * order and same `__proto__` handling as the spread (a data property, never the prototype).
 */
export function withFields(src: object, extra?: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) setOwn(out, k, (src as Record<string, unknown>)[k]);
  if (extra) for (const k of Object.keys(extra)) setOwn(out, k, (extra as Record<string, unknown>)[k]);
  return out;
}

interface Frame {
  obj: Record<string, unknown> | unknown[];
  /** Sorted keys of an object; null for an array. */
  keys: string[] | null;
  next: number;
  /** Members written so far (an object skips undefined ones, so `next` cannot tell). */
  written: number;
}

function openFrame(v: object): { frame: Frame; open: string } {
  if (Array.isArray(v)) return { frame: { obj: v, keys: null, next: 0, written: 0 }, open: '[' };
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return { frame: { obj, keys, next: 0, written: 0 }, open: '{' };
}

/**
 * Canonical JSON (object keys sorted by UTF-16 code units, undefined members dropped): the
 * identity of schemas, argument objects and prompts. Iterative (an explicit stack of open
 * containers), so no input depth can overflow the call stack.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const first = openFrame(value);
  let out = first.open;
  const stack: Frame[] = [first.frame];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    let v: unknown;
    if (f.keys === null) {
      const arr = f.obj as unknown[];
      if (f.next >= arr.length) {
        out += ']';
        stack.pop();
        continue;
      }
      if (f.next > 0) out += ',';
      v = arr[f.next++];
      if (v === undefined) v = null;
    } else {
      const obj = f.obj as Record<string, unknown>;
      for (v = undefined; f.next < f.keys.length && v === undefined;) {
        const k = f.keys[f.next++]!;
        v = obj[k];
        if (v !== undefined) out += `${f.written++ > 0 ? ',' : ''}${JSON.stringify(k)}:`;
      }
      if (v === undefined) {
        out += '}';
        stack.pop();
        continue;
      }
    }
    if (v !== null && typeof v === 'object') {
      const child = openFrame(v);
      out += child.open;
      stack.push(child.frame);
    } else out += JSON.stringify(v) ?? 'null';
  }
  return out;
}
