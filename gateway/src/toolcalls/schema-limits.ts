// Admission limits for request tool schemas. A schema is compiled into code by Ajv and its
// `pattern`s run on every argument, so size, depth, enum length, pattern syntax and expansion
// are bounded up front. Patterns run on RE2 (linear-regex.ts): any pattern RE2 accepts is safe;
// one it cannot express fails Ajv's compilation (in the compile worker on the request path), so
// nothing here compiles a regex on the event loop. Recursion and exponential expansion are
// found by schema-expansion.ts.
import { isPlainObject } from './json-text.js';
import { schemaExpansionProblem } from './schema-expansion.js';

export interface SchemaLimits {
  /** Most tools in one request. */
  maxTools: number;
  /** Largest `parameters` schema, in bytes of JSON. */
  maxSchemaBytes: number;
  /** Largest whole `tools` array, in bytes of JSON. */
  maxTotalSchemaBytes: number;
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
  maxTotalSchemaBytes: 1_048_576,
  maxDepth: 24,
  maxEnumValues: 1_024,
  maxPatternLength: 512,
};

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
      if (p.length > limits.maxPatternLength)
        return `pattern at ${path || '/'} is longer than ${limits.maxPatternLength} characters`;
    }
    if (typeof node.$ref === 'string' && !node.$ref.startsWith('#'))
      return `$ref ${JSON.stringify(node.$ref)} at ${path || '/'} is not local; only "#…" references are allowed`;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue;
      const r = walk(v, depth + 1, `${path}/${k}`);
      if (r) return r;
    }
    return null;
  };
  const shape = walk(schema, 0, '');
  if (shape) return shape;
  return isPlainObject(schema) ? schemaExpansionProblem(schema) : null;
}
