// Python call syntax: `get_weather(city='Paris', days=3)` or a list of such calls (the BFCL/pythonic
// format small models drift into). Keyword arguments only: positional ones cannot be mapped to
// parameter names without guessing, so they make the call unreadable.
import { parseLenient } from './json-text.js';
import type { RepairKind } from './repair-kinds.js';

export interface PythonCall {
  name: string;
  arguments?: Record<string, unknown>;
  error?: string;
  repairs: RepairKind[];
}

const HEAD = /^([A-Za-z_][\w.-]*)\s*\(/;

/** Splits `text` at top-level occurrences of `sep` (outside strings and brackets). */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === sep && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/** True when `text` (trimmed) is one Python call or a bracketed list of them. */
export function looksLikePythonCall(text: string): boolean {
  const t = text.trim();
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1).trim() : t;
  return HEAD.test(inner) && inner.endsWith(')');
}

/** Names of the calls in `text`, without parsing arguments (used to gate bare-text detection). */
export function pythonCallNames(text: string): string[] {
  const t = text.trim();
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  return splitTopLevel(inner, ',')
    .map((p) => HEAD.exec(p.trim())?.[1])
    .filter((n): n is string => typeof n === 'string');
}

function parseOne(text: string): PythonCall {
  const t = text.trim();
  const head = HEAD.exec(t);
  if (!head || !t.endsWith(')')) return { name: '', error: 'not a Python call', repairs: [] };
  const name = head[1]!;
  const body = t.slice(head[0].length, -1).trim();
  if (body === '') return { name, arguments: {}, repairs: [] };
  const args = splitTopLevel(body, ',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const entries: string[] = [];
  for (const arg of args) {
    const m = /^([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]+)$/.exec(arg);
    if (!m)
      return { name, error: `positional argument '${arg.slice(0, 40)}' cannot be mapped to a parameter`, repairs: [] };
    entries.push(`${JSON.stringify(m[1])}: ${m[2]}`);
  }
  const parsed = parseLenient(`{${entries.join(', ')}}`);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    return { name, error: 'unreadable Python call arguments', repairs: [] };
  }
  // Python quoting and literals are part of the syntax being converted, not a separate slip
  return {
    name,
    arguments: parsed.value as Record<string, unknown>,
    repairs: parsed.repairs.filter((k) => k !== 'json_syntax'),
  };
}

/** Parses one call or a `[call, call]` list. */
export function parsePythonCalls(text: string): PythonCall[] {
  const t = text.trim();
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  return splitTopLevel(inner, ',').reduce<PythonCall[]>((acc, part, idx, all) => {
    // commas inside a call's parentheses are nested, so each top-level part is one call
    if (part.trim() === '' && idx === all.length - 1) return acc;
    acc.push(parseOne(part));
    return acc;
  }, []);
}
