// The shared contract every routing policy must meet (hono's common.case.test.ts pattern): it
// runs unchanged over every entry of the registry, so a new policy is covered by adding it there.
import { afterAll, describe, expect, it } from 'vitest';
import { Backend } from '../../src/routing/backend.js';
import { POLICIES, type PolicyType } from '../../src/routing/registry.js';
import type { RouteContext, RoutingPolicy } from '../../src/routing/policy.js';

const made: Backend[] = [];
function backends(n: number): Backend[] {
  const out = Array.from(
    { length: n },
    (_, i) => new Backend({ url: `http://127.0.0.1:${9100 + i}`, pool: 'p', connectTimeoutMs: 100 }),
  );
  made.push(...out);
  return out;
}
afterAll(async () => {
  await Promise.all(made.map((b) => b.close()));
});

const tools = [
  {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  },
];
function ctx(i: number, exclude: Set<Backend> = new Set()): RouteContext {
  return {
    model: 'm',
    body: {
      model: 'm',
      tools,
      user: `user-${i % 7}`,
      messages: [
        { role: 'system', content: `tenant ${i % 5}` },
        { role: 'user', content: `question ${i}` },
      ],
    },
    headers: i % 2 ? { 'x-session-id': `s-${i % 3}` } : {},
    exclude,
  };
}

const types = Object.keys(POLICIES) as PolicyType[];
const make = (t: PolicyType): RoutingPolicy => POLICIES[t]({ type: t });

describe.each(types)('policy contract: %s', (type) => {
  it('returns null when there is no candidate', () => {
    expect(make(type).pick(ctx(0), [])).toBeNull();
  });

  it('only ever picks one of the candidates it was given, with a reason', () => {
    const policy = make(type);
    const all = backends(5);
    for (let i = 0; i < 300; i++) {
      // The router passes eligible, non-excluded backends only: vary that subset.
      const candidates = all.filter((_, k) => (i + k) % 3 !== 0 || k === 4);
      const pick = policy.pick(ctx(i), candidates);
      expect(pick).not.toBeNull();
      expect(candidates).toContain(pick!.backend);
      expect(pick!.reason).toMatch(/^[a-z_]+$/);
    }
  });

  it('never picks a backend that is not a candidate even when it would be preferred', () => {
    const policy = make(type);
    const [a, b, c] = backends(3);
    // Teach the policy that this request lives on `a` ...
    const first = policy.pick(ctx(1), [a!, b!, c!])!;
    // ... then take that backend away (excluded after a failed attempt, or ejected).
    const rest = [a!, b!, c!].filter((x) => x !== first.backend);
    for (let i = 0; i < 20; i++) expect(rest).toContain(policy.pick(ctx(1, new Set([first.backend])), rest)!.backend);
  });

  it('handles bodies without messages, tools or user', () => {
    const [a, b] = backends(2);
    const policy = make(type);
    for (const body of [{}, { prompt: 'hi' }, { messages: 'not-a-list' }, { messages: [null, 3] }]) {
      const pick = policy.pick({ model: 'm', body, headers: {}, exclude: new Set() }, [a!, b!]);
      expect([a, b]).toContain(pick!.backend);
    }
  });

  it('is deterministic when it says so: two fresh instances make the same picks', () => {
    const one = make(type);
    const two = make(type);
    if (!one.deterministic) return;
    const all = backends(4);
    const picks = (p: RoutingPolicy) => Array.from({ length: 100 }, (_, i) => p.pick(ctx(i), all)!.backend.url);
    expect(picks(one)).toEqual(picks(two));
  });
});

describe.each(types)('policy contract across worker processes: %s', (type) => {
  // Two workers that adopt each other's memos (serve --workers N) pick as one process would, on
  // the same loads, while a placement that stays where it was recorded is not shared again.
  it('two workers that adopt each other’s memos pick as one process; a repeat sends none', () => {
    const one = make(type);
    // Policies whose state is their own count (round robin) do not share it; least-loaded has none.
    if (!one.deterministic || !one.adopt) return;
    const workers = [make(type), make(type)];
    const all = backends(3);
    let memos = 0;
    let repeats = 0;
    for (let i = 0; i < 300; i++) {
      // Loads that make the bound overflow now and then: a rolling pattern of held requests.
      all.forEach((b, k) => (b.inflight = (i + 7 * k) % 11 < 6 ? (i + k) % 5 : 0));
      const c = ctx(i % 12);
      const expected = one.pick(c, all)!.backend;
      const w = i % 2;
      const pick = workers[w]!.pick(c, all)!;
      expect(pick.backend).toBe(expected);
      if (pick.memo) {
        memos++;
        workers[1 - w]!.adopt!(pick.memo);
      }
      // The same request again at once, on the same loads, lands there again with nothing to share.
      const again = workers[w]!.pick(c, all)!;
      expect(again.backend).toBe(one.pick(c, all)!.backend);
      if (again.backend === pick.backend) {
        repeats++;
        expect(again.memo).toBeUndefined();
      } else if (again.memo) workers[1 - w]!.adopt!(again.memo);
    }
    expect(repeats).toBeGreaterThan(100);
    expect(memos).toBeGreaterThan(0);
    for (const b of all) b.inflight = 0;
  });
});

describe('policy registry', () => {
  it('has the four policies the config documents', () => {
    expect(types.sort()).toEqual(['least_loaded', 'prefix', 'round_robin', 'session']);
  });
});
