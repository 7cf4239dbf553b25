// Closing a call that the end of generation cut off. Braces may be added only to the call's own
// objects — the call, a `function` wrapper, its `arguments`/`parameters` — and only right after a
// complete member: a string in value position, true/false/null, or a closed object/array. The call
// then lacks only later keys, which the schema still judges. A cut inside an argument's value (a
// string, a number that may have gone on, an array or a nested object, whose later items would be
// silently dropped), or after a key, a colon or a comma, leaves the call unreadable.

type Expect = 'key' | 'colon' | 'value' | 'after';
interface Level {
  close: '}' | ']';
  expect: Expect;
  /** The key this container is the value of (null at the root and in arrays). */
  key: string | null;
  /** The last key read at this level (objects). */
  lastKey: string | null;
}

const LITERALS = new Set(['true', 'false', 'null', 'True', 'False', 'None']);
const DELIMITER = /[\s{}[\],:"']/;
/** Paths of open objects that are the call's own structure, below the root. */
const CALL_PATHS = new Set(['', 'arguments', 'parameters', 'function', 'function/arguments', 'function/parameters']);

/** One token (a key, a value or a bare word) was read at the innermost level. */
function advance(top: Level | undefined, token: string | null): void {
  if (!top) return;
  if (top.expect === 'key') {
    top.expect = 'colon';
    top.lastKey = token;
  } else if (top.expect === 'value') top.expect = 'after';
}

/**
 * `text` (starting at a '{' or '[' that never closes) with the missing closing braces appended, or
 * null when it cannot be closed without guessing.
 */
export function closeTruncated(text: string): string | null {
  const stack: Level[] = [];
  let word = '';
  const endWord = (): void => {
    if (word === '') return;
    advance(stack[stack.length - 1], word);
    word = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const top = stack[stack.length - 1];
    if (!DELIMITER.test(ch)) {
      word += ch;
      continue;
    }
    endWord();
    if (ch === '"' || (ch === "'" && top && (top.expect === 'key' || top.expect === 'value'))) {
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return null; // cut inside a string
      advance(top, text.slice(i + 1, j));
      i = j;
    } else if (ch === '{' || ch === '[') {
      const key = top && top.close === '}' ? top.lastKey : null;
      stack.push({ close: ch === '{' ? '}' : ']', expect: ch === '{' ? 'key' : 'value', key, lastKey: null });
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      if (stack.length === 0) return null; // closed after all: not a truncated value
      advance(stack[stack.length - 1], null);
    } else if (ch === ':') {
      if (top) top.expect = 'value';
    } else if (ch === ',') {
      if (top) top.expect = top.close === '}' ? 'key' : 'value';
    }
  }
  const top = stack[stack.length - 1];
  if (!top) return null;
  if (word !== '') {
    if (!LITERALS.has(word) || top.expect !== 'value') return null; // a number or name that may go on
    endWord();
  }
  if (top.expect !== 'after') return null;
  if (
    stack.some((l) => l.close === ']') ||
    !CALL_PATHS.has(
      stack
        .slice(1)
        .map((l) => l.key)
        .join('/'),
    )
  )
    return null;
  return text + '}'.repeat(stack.length);
}
