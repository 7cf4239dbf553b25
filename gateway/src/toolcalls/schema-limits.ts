// Admission limits for request tool schemas. A schema is compiled into code by Ajv and its
// `pattern`s run on every argument, so size, depth, enum length and regex shape are bounded up
// front: compile time stays small and no pattern can backtrack catastrophically.
import { isPlainObject } from './json-text.js';

export interface SchemaLimits {
  /** Most tools in one request. */
  maxTools: number;
  /** Largest `parameters` schema, in bytes of JSON. */
  maxSchemaBytes: number;
  /** Deepest nesting of objects/arrays inside one schema. */
  maxDepth: number;
  /** Most values in one `enum`. */
  maxEnumValues: number;
  /** Longest `pattern` / `patternProperties` key. */
  maxPatternLength: number;
}

export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = {
  maxTools: 128,
  maxSchemaBytes: 65_536,
  maxDepth: 24,
  maxEnumValues: 1_024,
  maxPatternLength: 512,
};

/**
 * True when a regex can backtrack exponentially: a quantified group that itself contains a
 * quantifier (`(a+)+`, `(\w*)*`), a quantified group whose alternatives can start alike
 * (`(a|ab)*`), or a backreference. Conservative by design: it may refuse a safe pattern, never
 * admit a known-catastrophic shape.
 */
export function isDangerousPattern(pattern: string): boolean {
  if (/\\[1-9]|\\k</.test(pattern)) return true;
  interface Group {
    hasQuantifier: boolean;
    alternatives: string[];
    current: string;
  }
  const stack: Group[] = [{ hasQuantifier: false, alternatives: [], current: '' }];
  let inClass = false;
  const isQuantifierAt = (i: number): boolean => {
    const c = pattern[i];
    if (c === '*' || c === '+') return true;
    // {n,} and {n,m} repeat; {n} is a fixed count
    if (c === '{') return /^\{\d+,\d*\}/.test(pattern.slice(i));
    return false;
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (ch === '\\') {
      top.current += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      top.current += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      top.current += ch;
      continue;
    }
    if (ch === '(') {
      stack.push({ hasQuantifier: false, alternatives: [], current: '' });
      continue;
    }
    if (ch === '|') {
      top.alternatives.push(top.current);
      top.current = '';
      continue;
    }
    if (ch === ')' && stack.length > 1) {
      const g = stack.pop()!;
      g.alternatives.push(g.current);
      const parent = stack[stack.length - 1]!;
      if (isQuantifierAt(i + 1)) {
        if (g.hasQuantifier) return true;
        const firsts = g.alternatives.map((a) => a.replace(/^\?[:=!]/, '').slice(0, 1));
        if (firsts.length > 1 && (new Set(firsts).size < firsts.length || firsts.includes('') || firsts.includes('.'))) return true;
        parent.hasQuantifier = true;
      }
      if (g.hasQuantifier) parent.hasQuantifier = true;
      parent.current += '(…)';
      continue;
    }
    if (isQuantifierAt(i)) top.hasQuantifier = true;
    top.current += ch;
  }
  return false;
}

/** First limit the schema breaks, as a human sentence, or null. */
export function schemaLimitViolation(schema: unknown, limits: SchemaLimits): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(schema) ?? '', 'utf8');
  if (bytes > limits.maxSchemaBytes) return `schema is ${bytes} bytes, more than the limit of ${limits.maxSchemaBytes}`;
  const walk = (node: unknown, depth: number, path: string): string | null => {
    if (depth > limits.maxDepth) return `schema nests deeper than ${limits.maxDepth} levels at ${path || '/'}`;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const r = walk(node[i], depth + 1, `${path}/${i}`);
        if (r) return r;
      }
      return null;
    }
    if (!isPlainObject(node)) return null;
    if (Array.isArray(node.enum) && node.enum.length > limits.maxEnumValues) {
      return `enum at ${path || '/'} has ${node.enum.length} values, more than the limit of ${limits.maxEnumValues}`;
    }
    const patterns: string[] = [];
    if (typeof node.pattern === 'string') patterns.push(node.pattern);
    if (isPlainObject(node.patternProperties)) patterns.push(...Object.keys(node.patternProperties));
    for (const p of patterns) {
      if (p.length > limits.maxPatternLength) return `pattern at ${path || '/'} is longer than ${limits.maxPatternLength} characters`;
      if (isDangerousPattern(p)) return `pattern ${JSON.stringify(p)} at ${path || '/'} can backtrack catastrophically (nested or overlapping quantifiers, or a backreference)`;
    }
    if (typeof node.$ref === 'string' && !node.$ref.startsWith('#')) return `$ref ${JSON.stringify(node.$ref)} at ${path || '/'} is not local; only "#…" references are allowed`;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue;
      const r = walk(v, depth + 1, `${path}/${k}`);
      if (r) return r;
    }
    return null;
  };
  return walk(schema, 0, '');
}
