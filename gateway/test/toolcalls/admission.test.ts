// Tool schema admission: bad schemas are a ToolInputError naming the tool (the gateway's 400); pathological
// ones (deep, huge enum, catastrophic regex, remote $ref, oversized) are refused before Ajv runs.
import { describe, expect, it } from 'vitest';
import { compileTools, compileToolsOffThread } from '../../src/toolcalls/compile-tools.js';
import { ToolInputError } from '../../src/toolcalls/errors.js';
import { DEFAULT_SCHEMA_LIMITS } from '../../src/toolcalls/schema-limits.js';
import { ValidatorCache } from '../../src/toolcalls/validator-cache.js';

const tool = (name: string, parameters: unknown) => ({ type: 'function', function: { name, parameters } });
const ok = tool('get_weather', { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });

function refusal(tools: unknown, limits?: Parameters<typeof compileTools>[1]): ToolInputError {
  try {
    compileTools(tools, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(ToolInputError);
    return err as ToolInputError;
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

  it('rejects an invalid JSON Schema naming the tool and the schema error (the HTTP body: api/engine-errors.test.ts)', () => {
    const err = refusal([ok, tool('lookup', { type: 'object', properties: { q: { type: 'strnig' } } })]);
    expect(err.code).toBe('invalid_tool_schema');
    expect(err.param).toBe('tools[1].function.parameters');
    expect(err.message).toContain("tool 'lookup'");
    expect(err.message).toMatch(/type/);
  });

  it.each([
    ['not an array', { a: 1 }, /must be an array/],
    ['missing function', [{ type: 'function' }], /must be/],
    ['bad name', [tool('get weather!', {})], /invalid function name/],
    ['duplicate names', [ok, ok], /duplicate function name/],
    ['non-object parameters', [tool('x', 'string')], /JSON Schema object/],
    ['unsupported type', [{ type: 'retrieval', function: { name: 'x' } }], /only "function"/],
    [
      'unresolvable local $ref',
      [tool('x', { type: 'object', properties: { a: { $ref: '#/definitions/nope' } } })],
      /cannot resolve \$ref "#\/definitions\/nope"/,
    ],
  ])('rejects %s', (_name, tools, pattern) => {
    const err = refusal(tools);
    expect(err.code).toBe('invalid_tool_schema');
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
    expect(refusal([tool('e', { type: 'object', properties: { a: { enum: values } } })]).message).toMatch(
      /5000 values/,
    );
    const big = { type: 'object', description: 'x'.repeat(70_000) };
    expect(refusal([tool('big', big)]).message).toMatch(/bytes/);
    expect(
      refusal(
        Array.from({ length: 3 }, (_, i) => tool(`t${i}`, {})),
        { limits: { maxTools: 2 } },
      ).message,
    ).toMatch(/too many tools/);
  });

  it('runs patterns on RE2: backtracking shapes are admitted and match in linear time; what RE2 cannot express is refused', () => {
    // The probe's patterns (issue 18 finding 3), each of which blocked the loop 2.5-16 s on a
    // 29-character value, now on 100k characters: a backtracking engine would not finish.
    const inputs = ['a'.repeat(100_000) + '!', '1'.repeat(100_000) + '!', 'x'.repeat(100_000)];
    const expected: [string, boolean[]][] = [
      ['^(a|[a])*$', [false, false, false]],
      ['^(.*a){12}$', [false, false, false]],
      ['\\d*'.repeat(10), [true, true, true]],
      ['[a-z]+'.repeat(9), [true, false, true]],
      ['^(a+)+$', [false, false, false]],
      ['(\\w*)*x', [false, false, true]],
      ['(x+x+)+y', [false, false, false]],
    ];
    for (const [p, want] of expected) {
      const compiled = compileTools(
        [tool('p', { type: 'object', properties: { s: { type: 'string', pattern: p } } })],
        { cache: new ValidatorCache() },
      );
      const validate = compiled.byName.get('p')!.validator.validate;
      expect(
        inputs.map((s) => validate({ s })),
        p,
      ).toEqual(want);
    }
    for (const p of ['(a)\\1', '(?=a)b', '(?<!a)b', 'a{1,5000}']) {
      const err = refusal([tool('p', { type: 'object', properties: { s: { type: 'string', pattern: p } } })]);
      expect(err.code).toBe('invalid_tool_schema');
      expect(err.message).toMatch(/is not supported: .*linear-time RE2/);
      expect(err.message).toContain(JSON.stringify(p));
      expect(err.param).toBe('tools[0].function.parameters');
    }
    const pp = refusal([tool('pp', { type: 'object', patternProperties: { '^(?=x)': { type: 'string' } } })]);
    expect(pp.message).toMatch(/not supported/);
    expect(
      refusal([tool('r', { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } })]).message,
    ).toMatch(/not local/);
  });

  it('keeps ECMAScript pattern meaning: \\u escapes, classes, anchors, case', () => {
    const compiled = compileTools(
      [
        tool('u', {
          type: 'object',
          properties: {
            a: { type: 'string', pattern: '^\\u00e9[\\u0041-\\u005A]+$' },
            b: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
          },
          patternProperties: { '^x_\\w+$': { type: 'integer' } },
        }),
      ],
      { cache: new ValidatorCache() },
    );
    const v = compiled.byName.get('u')!.validator.validate;
    expect(v({ a: 'éABC', b: '2024-05' })).toBe(true);
    expect(v({ a: 'éabc' })).toBe(false);
    expect(v({ b: '2024-5' })).toBe(false);
    expect(v({ x_count: 3 })).toBe(true);
    expect(v({ x_count: 'three' })).toBe(false);
  });
});

describe('recursive and exponential schemas (issue 18 finding 4)', () => {
  const chain = (levels: number) => {
    // The probe's shape: each level is anyOf of two references to the next one.
    const definitions: Record<string, unknown> = {};
    for (let i = 0; i < levels; i++)
      definitions[`d${i}`] =
        i === levels - 1
          ? { type: 'string' }
          : { anyOf: [{ $ref: `#/definitions/d${i + 1}` }, { $ref: `#/definitions/d${i + 1}` }] };
    return { type: 'object', definitions, properties: { x: { $ref: '#/definitions/d0' } } };
  };

  it('refuses {"$ref": "#"} and longer same-value cycles with a 400 that names the cycle', () => {
    const self = refusal([tool('f', { $ref: '#' })]);
    expect(self.code).toBe('invalid_tool_schema');
    expect(self.message).toMatch(/recursive schema: # → #/);
    const loop = refusal([
      tool('g', {
        definitions: { a: { allOf: [{ $ref: '#/definitions/b' }] }, b: { anyOf: [{ $ref: '#/definitions/a' }] } },
        $ref: '#/definitions/a',
      }),
    ]);
    expect(loop.message).toMatch(/recursive schema: .*#\/definitions\/a.*#\/definitions\/b/);
    expect(
      refusal([tool('h', { type: 'object', properties: { a: { not: { $ref: '#/properties/a' } } } })]).message,
    ).toMatch(/recursive schema/);
  });

  it('refuses the 21-level chain of double references (2^20 expansion, 1.9 KB) before compiling it', () => {
    const schema = chain(21);
    expect(JSON.stringify(schema).length).toBeLessThan(2_000);
    const cache = new ValidatorCache();
    const err = refusal([tool('f', schema)], { cache });
    expect(err.message).toMatch(/expands to more than 100000 subschemas/);
    expect(cache.misses).toBe(0); // refused before Ajv saw it
    // a short chain of the same shape is fine
    expect(() => compileTools([tool('f', chain(6))], { cache })).not.toThrow();
  });

  it('admits recursion through properties and items (trees) and validates deep values', () => {
    const tree = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        left: { $ref: '#' },
        right: { $ref: '#' },
        children: { type: 'array', items: { $ref: '#' } },
      },
      required: ['name'],
    };
    const compiled = compileTools([tool('t', tree)], { cache: new ValidatorCache() });
    const v = compiled.byName.get('t')!.validator.validate;
    let value: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 40; i++)
      value = { name: `n${i}`, left: value, right: { name: 'r' }, children: [{ name: 'c' }] };
    expect(v(value)).toBe(true);
    expect(v({ name: 'x', left: { name: 'y', right: {} } })).toBe(false);
    // $defs, anchors and nested $id resources resolve like Ajv resolves them
    const defs = {
      $defs: { node: { $id: '#node', type: 'object', properties: { next: { $ref: '#node' } } } },
      type: 'object',
      properties: { head: { $ref: '#/$defs/node' } },
    };
    expect(() => compileTools([tool('d', defs)], { cache: new ValidatorCache() })).not.toThrow();
  });
});

describe('ValidatorCache', () => {
  const small = (i: number) => ({ type: 'object', properties: { [`k${i}`]: { type: 'string' } } });
  const large = (props: number) => ({
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: props }, (_, i) => [`p${i}`, { type: 'integer', minimum: i }])),
  });

  it('compiles once per canonical schema', () => {
    const cache = new ValidatorCache();
    const a1 = cache.get({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } });
    const a2 = cache.get({ properties: { b: { type: 'integer' }, a: { type: 'string' } }, type: 'object' });
    expect(a2).toBe(a1);
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(1);
  });

  it('is bounded in bytes of generated code, not in entries: one large schema evicts many small ones', () => {
    const one = new ValidatorCache().get(small(0)).bytes;
    const cache = new ValidatorCache({ maxBytes: 20 * one });
    for (let i = 0; i < 50; i++) cache.get(small(i));
    expect(cache.size).toBeGreaterThanOrEqual(18); // k10… weigh a little more than k0
    expect(cache.size).toBeLessThanOrEqual(20);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    const big = cache.get(large(60));
    expect(big.bytes).toBeGreaterThan(5 * one);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    expect(cache.size).toBeLessThan(14);
    expect(big.validate({ p3: 2 })).toBe(false);
    // larger than the whole bound: returned and usable, not kept
    const huge = cache.get(large(400));
    expect(huge.validate({ p1: 1 })).toBe(true);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  it('admits a list seen before from a new request body without compiling, and compiles again what the cache evicted', async () => {
    const one = new ValidatorCache().get(small(0)).bytes;
    const cache = new ValidatorCache({ maxBytes: 3 * one });
    // Unique to this test: the whole-list memo is process-wide.
    const list = [tool('evict_a', small(900)), tool('evict_b', small(901))];
    const first = await compileToolsOffThread(structuredClone(list), { cache });
    expect(cache.misses).toBe(2);
    // The same tools in a fresh array (every request body's is): the same compiled list, no compile.
    const again = await compileToolsOffThread(structuredClone(list), { cache });
    expect(again).toBe(first);
    expect(cache.misses).toBe(2);
    // Four other schemas push both validators out (3 fit); the remembered list must not hand back
    // evicted ones: both are compiled again.
    for (let i = 0; i < 4; i++) cache.get(small(910 + i));
    const afterEviction = await compileToolsOffThread(structuredClone(list), { cache });
    expect(cache.misses).toBe(2 + 4 + 2);
    expect(afterEviction.byName.get('evict_a')!.validator.validate({ k900: 'x' })).toBe(true);
    expect(afterEviction.byName.get('evict_a')!.validator.validate({ k900: 1 })).toBe(false);
  });

  it('compiles off the event loop to the same validator, once for concurrent requests', async () => {
    const cache = new ValidatorCache();
    const schema = {
      type: 'object',
      properties: { s: { type: 'string', pattern: '^(a+)+$' }, n: { type: 'integer', minimum: 3 } },
      required: ['n'],
    };
    const job = { limits: DEFAULT_SCHEMA_LIMITS, timeoutMs: 30_000 };
    const [a, b] = await Promise.all([
      cache.getOffThread(schema, job),
      cache.getOffThread(structuredClone(schema), job),
    ]);
    expect(b).toBe(a);
    expect(cache.misses).toBe(1);
    const sync = new ValidatorCache().get(schema).validate;
    for (const v of [{ n: 3 }, { n: 2 }, { s: 'a'.repeat(50_000) + '!', n: 4 }, { s: 'aaa', n: 4 }, {}]) {
      expect(a.validate(v)).toBe(sync(v));
      expect(a.validate.errors).toEqual(sync.errors);
    }
  });

  it('refuses a schema over its compile budget with a 400 naming the tool, and keeps working after', async () => {
    const cache = new ValidatorCache();
    const big = large(1500);
    const limits = { maxSchemaBytes: 1_000_000 };
    await compileToolsOffThread([ok], { cache, limits }); // cached and checked: only 'huge' meets the 1 ms budget
    let err: unknown;
    try {
      await compileToolsOffThread([ok, tool('huge', big)], { cache, compileTimeoutMs: 1, limits });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ToolInputError);
    expect((err as ToolInputError).code).toBe('invalid_tool_schema');
    expect((err as ToolInputError).param).toBe('tools[1].function.parameters');
    expect((err as ToolInputError).message).toMatch(
      /tool 'huge': schema too costly to compile \(compiling took longer than 1 ms\)/,
    );
    const compiled = await compileToolsOffThread([ok], { cache });
    expect(compiled.byName.get('get_weather')!.validator.validate({ city: 'Oslo' })).toBe(true);
  });

  it('refuses a tools array over the total size limit before compiling anything', () => {
    const many = Array.from({ length: 20 }, (_, i) =>
      tool(`t${i}`, { type: 'object', description: 'd'.repeat(60_000) }),
    );
    const cache = new ValidatorCache();
    const err = refusal(many, { cache });
    expect(err.param).toBe('tools');
    expect(err.message).toMatch(/bytes of JSON; the limit is 1048576/);
    expect(cache.misses).toBe(0);
  });
});
