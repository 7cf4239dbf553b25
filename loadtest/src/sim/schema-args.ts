// Deterministic argument synthesis from a tool's JSON Schema: what a well-behaved model would
// plausibly send. Required properties only; default → examples → enum → const → a type-based
// value. Strings prefer a capitalised word from the user's message (e.g. "Paris").

type Schema = Record<string, unknown>;

const isObj = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface SynthesisContext {
  /** Capitalised words of the last user message, in order (used for string values). */
  properNouns: string[];
}

export function contextFromText(text: string): SynthesisContext {
  const words = text.match(/\p{Lu}[\p{L}\p{N}_-]*/gu) ?? [];
  // The first word of a sentence is usually capitalised for grammar, not because it is a name.
  const firstWord = text.trim().match(/^\p{L}+/u)?.[0];
  return { properNouns: words.filter((w, i) => !(i === 0 && w === firstWord)) };
}

function firstType(schema: Schema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t))
    return t.find((x): x is string => typeof x === 'string' && x !== 'null') ?? (t[0] as string | undefined);
  if (isObj(schema.properties)) return 'object';
  if (isObj(schema.items)) return 'array';
  return undefined;
}

export function synthesizeValue(schema: unknown, propName: string, ctx: SynthesisContext, depth = 0): unknown {
  if (!isObj(schema) || depth > 8) return 'example';
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const alts = schema[key];
    if (Array.isArray(alts) && alts.length > 0) {
      const pick: unknown = (alts as unknown[]).find((a) => isObj(a) && a.type !== 'null') ?? alts[0];
      return synthesizeValue(pick, propName, ctx, depth + 1);
    }
  }
  switch (firstType(schema)) {
    case 'string': {
      if (schema.format === 'date') return '2024-01-01';
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      if (schema.format === 'email') return 'user@example.com';
      if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com';
      return ctx.properNouns[0] ?? propName;
    }
    case 'integer':
      return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 1;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const n = typeof schema.minItems === 'number' ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: n }, () => synthesizeValue(schema.items, propName, ctx, depth + 1));
    }
    case 'object':
      return synthesizeArguments(schema, ctx, depth + 1);
    default:
      return ctx.properNouns[0] ?? propName;
  }
}

/** Arguments object for a tool's `parameters` schema: required properties only, in schema order. */
export function synthesizeArguments(parameters: unknown, ctx: SynthesisContext, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObj(parameters) || !isObj(parameters.properties)) return out;
  const required = Array.isArray(parameters.required)
    ? parameters.required.filter((r): r is string => typeof r === 'string')
    : [];
  for (const [name, propSchema] of Object.entries(parameters.properties)) {
    if (required.includes(name)) out[name] = synthesizeValue(propSchema, name, ctx, depth);
  }
  return out;
}
