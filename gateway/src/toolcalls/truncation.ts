// Closing a call that the end of generation cut off. Brackets may be added only right after a
// complete value: a closed object/array, a string in value position, or true/false/null. Inside a
// string, after a key, a colon or a comma, or after a number (`3` may have been `30`), the call is
// unreadable: whatever came next is unknown.

type Expect = 'key' | 'colon' | 'value' | 'after';
interface Level {
  close: '}' | ']';
  expect: Expect;
}

const LITERALS = new Set(['true', 'false', 'null', 'True', 'False', 'None']);
const DELIMITER = /[\s{}[\],:"']/;

/** The value advanced past one token (a key, a value, or a bare word) at the innermost level. */
function advance(top: Level | undefined): void {
  if (!top) return;
  if (top.expect === 'key') top.expect = 'colon';
  else if (top.expect === 'value') top.expect = 'after';
}

/**
 * `text` (starting at a '{' or '[' that never closes) with the missing closing brackets appended,
 * or null when the text stops inside or just before a value.
 */
export function closeTruncated(text: string): string | null {
  const stack: Level[] = [];
  let word = '';
  const endWord = (): void => {
    if (word === '') return;
    advance(stack[stack.length - 1]);
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
      advance(top);
      i = j;
    } else if (ch === '{' || ch === '[') {
      stack.push({ close: ch === '{' ? '}' : ']', expect: ch === '{' ? 'key' : 'value' });
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      if (stack.length === 0) return null; // closed after all: not a truncated value
      advance(stack[stack.length - 1]);
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
  return text + stack.map((l) => l.close).reverse().join('');
}
