// The primary's placement of bounded picks (cluster/load-arbiter.ts): whatever each worker last
// reported, placements made in between are counted once, so that workers whose requests arrive in
// the same instant cannot both take the last slot under the cap.
import { describe, expect, it } from 'vitest';
import { LoadArbiter } from '../../src/cluster/load-arbiter.js';
import { loadKey, type LoadTable } from '../../src/cluster/messages.js';
import { capFor } from '../../src/routing/pick/bounded-load.js';

const PODS = ['http://a', 'http://b', 'http://c', 'http://d'];
const walk = (ranking = PODS) => ({ ranking, candidates: PODS, epsilon: 0.25 });
const table = (counts: Record<string, number>): LoadTable =>
  Object.fromEntries(Object.entries(counts).map(([url, n]) => [loadKey('p', url), n]));

describe('LoadArbiter', () => {
  it('keeps a burst from two workers that reported nothing within ⌈1.25·(T+1)/n⌉ on every pod', () => {
    const tables = new Map<number, LoadTable>();
    const arbiter = new LoadArbiter(tables);
    const held = new Map<string, number>(PODS.map((u) => [u, 0]));
    for (let i = 0; i < 40; i++) {
      const total = [...held.values()].reduce((a, b) => a + b, 0);
      const url = arbiter.place(i % 2, i + 1, 'p', walk());
      held.set(url, held.get(url)! + 1);
      expect(held.get(url)).toBeLessThanOrEqual(capFor(total, PODS.length, 0.25));
    }
    expect(Math.max(...held.values())).toBe(Math.ceil((1.25 * 40) / 4));
    expect(Math.min(...held.values())).toBeGreaterThan(0);
  });

  it('counts a placement once: in the worker table that reports it, not also as placed', () => {
    const tables = new Map<number, LoadTable>();
    const arbiter = new LoadArbiter(tables);
    const only = (url: string) => ({ ranking: [url], candidates: PODS, epsilon: 0.25 });
    // Worker 0 holds three on a (ids 1–3) and reports them in its table; worker 1 two on b.
    for (let id = 1; id <= 3; id++) arbiter.place(0, id, 'p', only('http://a'));
    tables.set(0, table({ 'http://a': 3 }));
    arbiter.reported(0, 3);
    arbiter.place(1, 1, 'p', only('http://b'));
    arbiter.place(1, 2, 'p', only('http://b'));
    // Five in flight: cap ⌈1.25·6/4⌉ = 2, so b (2) is full and c takes it. Had a's three been
    // counted twice (eight in flight), the cap would be ⌈1.25·9/4⌉ = 3 and b would take it.
    expect(arbiter.place(1, 3, 'p', walk(['http://b', 'http://c']))).toBe('http://c');
  });

  it('forgets placements a report passed, and the placements of a worker that left', () => {
    const tables = new Map<number, LoadTable>();
    const arbiter = new LoadArbiter(tables);
    arbiter.place(0, 1, 'p', walk(['http://a']));
    arbiter.place(0, 2, 'p', walk(['http://a']));
    // Worker 0 gave both up (its report passed them) and holds nothing: a is empty again.
    tables.set(0, {});
    arbiter.reported(0, 2);
    // A placement the worker had already given up on when it arrived is not counted either.
    arbiter.place(0, 2, 'p', walk(['http://a']));
    // With nothing in flight the cap is ⌈1.25/4⌉ = 1, so a takes exactly one more.
    expect(arbiter.place(1, 1, 'p', walk())).toBe('http://a');
    expect(arbiter.place(1, 2, 'p', walk())).toBe('http://b');
    arbiter.remove(1);
    expect(arbiter.place(2, 1, 'p', walk())).toBe('http://a');
  });
});
