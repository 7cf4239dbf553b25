// Tool schema admission: bad schemas are a 400 in OpenAI's shape naming the tool; pathological
// ones (deep, huge enum, catastrophic regex, remote $ref, oversized) are refused before Ajv runs.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/api/errors.js';
import { compileTools } from '../../src/toolcalls/compile-tools.js';
import { isDangerousPattern } from '../../src/toolcalls/schema-limits.js';
import { ValidatorCache } from '../../src/toolcalls/validator-cache.js';

const tool = (name: string, parameters: unknown) => ({ type: 'function', function: { name, parameters } });
const ok = tool('get_weather', { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });

function refusal(tools: unknown, limits?: Parameters<typeof compileTools>[1]): GatewayError {
  try {
    compileTools(tools, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected compileTools to refuse the tools');
}

describe('compileTools admission', () => {
  it('compiles valid tools and resolves them by name', () => {
    const compiled = compileTools([ok, { type: 'function', function: { name: 'get_time' } }]);
    expect([...compiled.byName.keys()]).toEqual(['get_weather', 'get_time']);
    expect(compiled.byName.get('get_time')!.validator.validate({})).toBe(true);
    expect(compiled.byName.get('get_time')!.validator.validate({ x: 1 })).toBe(false);
  });

  it('rejects an invalid JSON Schema with a 400 naming the tool and the schema error', () => {
    const err = refusal([ok, tool('lookup', { type: 'object', properties: { q: { type: 'strnig' } } })]);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_tool_schema');
    expect(err.param).toBe('tools[1].function.parameters');
    expect(err.message).toContain("tool 'lookup'");
    expect(err.message).toMatch(/type/);
    const body = err.toBody();
    expect(body.error).toEqual({ message: err.message, type: 'invalid_request_error', param: 'tools[1].function.parameters', code: 'invalid_tool_schema' });
  });

  it.each([
    ['not an array', { a: 1 }, /must be an array/],
    ['missing function', [{ type: 'function' }], /must be/],
    ['bad name', [tool('get weather!', {})], /invalid function name/],
    ['duplicate names', [ok, ok], /duplicate function name/],
    ['non-object parameters', [tool('x', 'string')], /JSON Schema object/],
    ['unsupported type', [{ type: 'retrieval', function: { name: 'x' } }], /only "function"/],
    ['unresolvable local $ref', [tool('x', { type: 'object', properties: { a: { $ref: '#/definitions/nope' } } })], /invalid JSON Schema/],
  ])('rejects %s', (_name, tools, pattern) => {
    const err = refusal(tools);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(pattern);
  });

  it('refuses deep nesting', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) schema = { type: 'object', properties: { a: schema } };
    expect(refusal([tool('deep', schema)]).message).toMatch(/nests deeper than 24/);
    expect(() => compileTools([tool('deep', schema)], { limits: { maxDepth: 100 } })).not.toThrow();
  });

  it('refuses a huge enum and an oversized schema', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `v${i}`);
    expect(refusal([tool('e', { type: 'object', properties: { a: { enum: values } } })]).message).toMatch(/5000 values/);
    const big = { type: 'object', description: 'x'.repeat(70_000) };
    expect(refusal([tool('big', big)]).message).toMatch(/bytes/);
    expect(refusal(Array.from({ length: 3 }, (_, i) => tool(`t${i}`, {})), { limits: { maxTools: 2 } }).message).toMatch(/too many tools/);
  });

  it('refuses catastrophic patterns and remote $ref, admits ordinary ones', () => {
    for (const p of ['^(a+)+$', '(\\w*)*x', '^(a|aa)*$', '(x+x+)+y', '(a|a?)+', '^(\\d+)*$', '(.*a){1,}', '(a)\\1']) {
      expect(isDangerousPattern(p), p).toBe(true);
      const err = refusal([tool('p', { type: 'object', properties: { s: { type: 'string', pattern: p } } })]);
      expect(err.message).toMatch(/backtrack/);
    }
    for (const p of ['^[A-Z]{1,5}$', '^\\d{4}-\\d{2}-\\d{2}$', '^(ab|cd)*$', '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$', '^(\\+\\d{1,3})?\\d{10}$', 'a{3}']) {
      expect(isDangerousPattern(p), p).toBe(false);
    }
    expect(refusal([tool('r', { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } })]).message).toMatch(/not local/);
    const pp = refusal([tool('pp', { type: 'object', patternProperties: { '^(a+)+$': { type: 'string' } } })]);
    expect(pp.message).toMatch(/backtrack/);
  });
});

describe('ValidatorCache', () => {
  it('compiles once per canonical schema and stays bounded', () => {
    const cache = new ValidatorCache(3);
    const a1 = cache.get({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } });
    const a2 = cache.get({ properties: { b: { type: 'integer' }, a: { type: 'string' } }, type: 'object' });
    expect(a2).toBe(a1);
    expect(cache.hits).toBe(1);
    for (let i = 0; i < 10; i++) cache.get({ type: 'object', properties: { [`k${i}`]: { type: 'string' } } });
    expect(cache.size).toBe(3);
    expect(cache.misses).toBe(11);
  });
});
