// The prefix policy's parts: canonical text, block chains, LRU index, the load bound.
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/routing/backend.js';
import fc from 'fast-check';
import {
  blockChain,
  canonicalChain,
  canonicalPrompt,
  HeaderCache,
  stableStringify,
} from '../../src/routing/prefix/canonical.js';
import { PrefixIndex } from '../../src/routing/prefix/prefix-index.js';
import { cyrb53 } from '../../src/routing/prefix/hash.js';
import { loadCap, pickBounded } from '../../src/routing/pick/bounded-load.js';
import { createPrefixPolicy } from '../../src/routing/policies/prefix.js';

const made: Backend[] = [];
const mk = (n: number) => {
  const out = Array.from(
    { length: n },
    (_, i) => new Backend({ url: `http://127.0.0.1:${9200 + i}`, pool: 'p', connectTimeoutMs: 100 }),
  );
  made.push(...out);
  return out;
};
afterAll(async () => {
  await Promise.all(made.map((b) => b.close()));
});

const tools = [
  { type: 'function', function: { name: 'lookup', description: 'x'.repeat(600), parameters: { type: 'object' } } },
];
const sys = { role: 'system', content: 'You are the support agent of ACME. '.repeat(20) };

describe('canonical prompt and block chain', () => {
  it('ignores key order and extends across turns', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    const turn1 = { tools, messages: [sys, { role: 'user', content: 'where is my order?' }] };
    const turn2 = {
      tools,
      messages: [...turn1.messages, { role: 'assistant', content: 'Which order?' }, { role: 'user', content: '#42' }],
    };
    const c1 = blockChain(canonicalPrompt('m', turn1), 64);
    const c2 = blockChain(canonicalPrompt('m', turn2), 64);
    const full = Math.floor(canonicalPrompt('m', turn1).text.length / 64);
    expect(c2.hashes.slice(0, full)).toEqual(c1.hashes.slice(0, full));
    expect(c2.anchor).toBe(c1.anchor);
    // Reordered keys in the tool schema change nothing.
    const reordered = {
      messages: turn1.messages,
      tools: [
        {
          function: { parameters: { type: 'object' }, description: 'x'.repeat(600), name: 'lookup' },
          type: 'function',
        },
      ],
    };
    expect(blockChain(canonicalPrompt('m', reordered), 64)).toEqual(c1);
  });

  it('gives different tenants (tools or system prompt) different anchors and chains', () => {
    const a = blockChain(canonicalPrompt('m', { tools, messages: [sys, { role: 'user', content: 'q' }] }), 64);
    const b = blockChain(canonicalPrompt('m', { tools: [], messages: [sys, { role: 'user', content: 'q' }] }), 64);
    const c = blockChain(
      canonicalPrompt('m', {
        tools,
        messages: [
          { role: 'system', content: 'other' },
          { role: 'user', content: 'q' },
        ],
      }),
      64,
    );
    expect(new Set([a.anchor, b.anchor, c.anchor]).size).toBe(3);
    expect(a.hashes[0]).not.toBe(b.hashes[0]);
  });
});

describe('streamed block chain (what the policy computes per request)', () => {
  // Any UTF-16 units, lone surrogates and control characters included: JSON escaping must match.
  const text = fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
    .map((units) => String.fromCharCode(...units));
  const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      text,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  })).value;
  const message = fc.record({
    role: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'),
    content: fc.oneof(text, json),
  });
  const body = fc.oneof(
    fc.record({
      tools: fc.option(fc.array(json, { maxLength: 3 }), { nil: undefined }),
      messages: fc.array(message, { maxLength: 6 }),
    }),
    fc.record({ prompt: fc.oneof(text, json) }),
  );

  it('equals blockChain(canonicalPrompt(...)), with or without the header cache, for any request', () => {
    const cache = new HeaderCache(8);
    fc.assert(
      fc.property(body, fc.integer({ min: 16, max: 80 }), (b, blockChars) => {
        const want = blockChain(canonicalPrompt('m', b), blockChars);
        expect(canonicalChain('m', b as Record<string, unknown>, blockChars)).toEqual(want);
        // Twice through the cache: the second resumes from the cached header state.
        const copy = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
        expect(canonicalChain('m', b as Record<string, unknown>, blockChars, cache)).toEqual(want);
        expect(canonicalChain('m', copy, blockChars, cache)).toEqual(
          blockChain(canonicalPrompt('m', copy), blockChars),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('serializes as JSON with keys sorted (UTF-16 order) at every level', () => {
    // The definition the canonical text was first written with (string building).
    const reference = (v: unknown): string => {
      if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
    };
    fc.assert(
      fc.property(json, (v) => {
        expect(stableStringify(v)).toBe(reference(v));
      }),
    );
  });

  it('gives the values earlier versions gave (replicas of mixed versions agree during a rollout)', () => {
    const body = {
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
        },
      ],
      messages: [
        { role: 'system', content: 'Be brief. "quoted" \n\t ünï ☃ \ud83d\ude00' },
        { role: 'user', content: 'x'.repeat(100) },
      ],
    };
    // Computed with the original string-building implementation.
    const golden = {
      hashes: [
        2855694471924738, 2286047746052280, 525435986062004, 3084800105509118, 8417777450116631, 8495873694907942,
      ],
      anchor: 5775668458571302,
    };
    expect(canonicalChain('Qwen/Qwen3-0.6B', body, 64)).toEqual(golden);
    expect(canonicalChain('Qwen/Qwen3-0.6B', body, 64, new HeaderCache())).toEqual(golden);
    expect([cyrb53(''), cyrb53('hello'), cyrb53('hello', 42)]).toEqual([
      3338908027751811, 4625896200565286, 275510733060164,
    ]);
  });

  it('keeps the header cache bounded', () => {
    const cache = new HeaderCache(3);
    for (let t = 0; t < 10; t++)
      canonicalChain('m', { tools: [{ name: `t${t}` }], messages: [{ role: 'user', content: 'q' }] }, 64, cache);
    expect(cache.size).toBe(3);
  });
});

describe('prefix index', () => {
  it('finds the longest match per backend and evicts least recently used entries', () => {
    const idx = new PrefixIndex(5);
    idx.record([1, 2, 3], 'A');
    idx.record([1, 2], 'B'); // B now owns the first two blocks
    expect(idx.lookup([1, 2, 3, 4])).toEqual([
      { url: 'A', blocks: 3 },
      { url: 'B', blocks: 2 },
    ]);
    idx.record([7, 8, 9], 'C'); // 6 entries > 5: the oldest (1) goes
    expect(idx.size).toBe(5);
    expect(idx.lookup([1])).toEqual([]);
    idx.forget('C');
    expect(idx.lookup([7, 8, 9])).toEqual([]);
  });
});

describe('bounded load', () => {
  it('caps at ceil((1+eps)·(T+1)/n) and walks on in ranking order', () => {
    const [a, b, c, d] = mk(4);
    a!.inflight = 3;
    b!.inflight = 1;
    // T = 4 → cap = ceil(1.25·5/4) = 2: a is full, b (1+1 ≤ 2) takes it.
    expect(loadCap([a!, b!, c!, d!], 0.25)).toBe(2);
    expect(pickBounded([a!, b!, c!, d!], [a!, b!, c!, d!], 0.25)).toEqual({ backend: b, rank: 1 });
    expect(pickBounded([a!, b!, c!, d!], [a!, b!, c!, d!], null)).toEqual({ backend: a, rank: 0 });
    a!.inflight = b!.inflight = 0;
  });

  it('keeps every backend within the cap while one tenant floods the policy', () => {
    const pool = mk(4);
    const policy = createPrefixPolicy({ epsilon: 0.25, blockChars: 128, indexEntries: 1000 });
    const body = { tools, messages: [sys, { role: 'user', content: 'same' }] };
    const reasons = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const cap = loadCap(pool, 0.25);
      const pick = policy.pick({ model: 'm', body, headers: {}, exclude: new Set() }, pool)!;
      reasons.add(pick.reason);
      pick.backend.inflight++;
      expect(pick.backend.inflight).toBeLessThanOrEqual(cap);
      if (i % 3 === 2) pool[i % 4]!.inflight = Math.max(0, pool[i % 4]!.inflight - 2); // some finish
    }
    expect(reasons).toEqual(new Set(['hash', 'prefix_hit', 'overflow']));
    for (const b of pool) b.inflight = 0;
  });
});

describe('across worker processes (serve --workers N)', () => {
  const ctx = (messages: unknown[]) => ({
    model: 'm',
    body: { tools, messages: [sys, ...messages] },
    headers: {},
    exclude: new Set<Backend>(),
  });

  it("counts the sibling workers' in-flight requests in the bound", () => {
    const [a, b] = mk(2);
    a!.inflight = 1;
    // Alone, a may take a second request (cap ⌈1.25·2/2⌉ = 2); with 2 more in flight on a from a
    // sibling worker the cap is ⌈1.25·4/2⌉ = 3 and a (at 3) is full.
    expect(pickBounded([a!, b!], [a!, b!], 0.25)).toEqual({ backend: a, rank: 0 });
    a!.peerInflight = 2;
    expect(a!.load).toBe(3);
    expect(pickBounded([a!, b!], [a!, b!], 0.25)).toEqual({ backend: b, rank: 1 });
    a!.inflight = a!.peerInflight = 0;
  });

  it('hands an overflow to a sibling as a memo, so both send the next turn to the same pod', () => {
    const pool = mk(2);
    const worker1 = createPrefixPolicy({ epsilon: 0.25, blockChars: 64, indexEntries: 1000 });
    const worker2 = createPrefixPolicy({ epsilon: 0.25, blockChars: 64, indexEntries: 1000 });
    const turn1 = [{ role: 'user', content: 'conversation 3' }];
    const hashed = worker1.pick(ctx(turn1), pool)!;
    expect(hashed.reason).toBe('hash');
    expect(hashed.memo).toBeUndefined(); // what every replica computes alike is not shared
    hashed.backend.inflight = 5; // the tenant's pod is full
    const overflow = worker1.pick(ctx(turn1), pool)!;
    expect(overflow.reason).toBe('overflow');
    expect(overflow.memo).toMatchObject({ kind: 'prefix', url: overflow.backend.url });
    hashed.backend.inflight = 0;

    const turn2 = [...turn1, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and then?' }];
    const fresh = createPrefixPolicy({ epsilon: 0.25, blockChars: 64, indexEntries: 1000 });
    expect(fresh.pick(ctx(turn2), pool)!.backend).toBe(hashed.backend); // without the memo: the hash
    worker2.adopt!(overflow.memo!);
    const next = worker2.pick(ctx(turn2), pool)!;
    expect(next.backend).toBe(overflow.backend);
    expect(next.reason).toBe('prefix_hit');
  });

  it('sends a memo once per record: not again while the whole chain already points to that pod', () => {
    const pool = mk(2);
    const policy = createPrefixPolicy({ epsilon: 0.25, blockChars: 64, indexEntries: 1000 });
    const turn = [{ role: 'user', content: 'conversation 4' }];
    const home = policy.pick(ctx(turn), pool)!.backend;
    home.inflight = 5; // full: the tenant overflows
    const overflow = policy.pick(ctx(turn), pool)!;
    expect(overflow.memo).toMatchObject({ kind: 'prefix', url: overflow.backend.url });
    // The same prompt again lands on the overflow pod (its record is newest), which siblings know.
    const again = policy.pick(ctx(turn), pool)!;
    expect(again.backend).toBe(overflow.backend);
    expect(again.reason).toBe('prefix_hit');
    expect(again.memo).toBeUndefined();
    // A longer turn adds blocks no sibling has heard of: shared again.
    const longer = policy.pick(ctx([...turn, { role: 'assistant', content: 'x'.repeat(200) }]), pool)!;
    expect(longer.backend).toBe(overflow.backend);
    expect(longer.memo).toMatchObject({ kind: 'prefix', url: overflow.backend.url });
    // Back home once the overflow pod fills: the record moves, and that move is shared.
    home.inflight = 0;
    overflow.backend.inflight = 5;
    const back = policy.pick(ctx(turn), pool)!;
    expect(back.backend).toBe(home);
    expect(back.memo).toMatchObject({ kind: 'prefix', url: home.url });
    overflow.backend.inflight = 0;
  });
});
