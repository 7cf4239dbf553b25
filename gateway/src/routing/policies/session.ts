// session: requests carrying the same session key (a header, default x-session-id, else the
// OpenAI `user` field) stay on one backend. A new session is placed by rendezvous hashing of
// its key, so independent gateway replicas agree; the assignment is remembered (bounded LRU) so
// that it survives pool changes, and shared with sibling workers when it differs from the hash.
// Every pick is subject to the load bound: a session whose backend is full moves on in hash
// order and sticks to where it landed. No key → least loaded.
import type { Backend } from '../backend.js';
import type { RouteContext, RoutePick, RoutingPolicy } from '../policy.js';
import { pickBounded } from '../pick/bounded-load.js';
import { rendezvousOrder } from '../pick/rendezvous.js';
import { byLoad } from '../pick/load-score.js';
import { cyrb53 } from '../prefix/hash.js';

export interface SessionOptions {
  header: string;
  epsilon: number | null;
  maxSessions: number;
}

export function sessionKey(ctx: RouteContext, header: string): string | null {
  const fromHeader = ctx.headers[header];
  if (fromHeader) return `h:${fromHeader}`;
  const user = ctx.body.user;
  return typeof user === 'string' && user !== '' ? `u:${user}` : null;
}

export function createSessionPolicy(opts: SessionOptions): RoutingPolicy {
  const header = opts.header.toLowerCase();
  const sticky = new Map<string, string>(); // session key → backend URL, LRU order
  const remember = (key: string, url: string) => {
    sticky.delete(key);
    sticky.set(key, url);
    while (sticky.size > opts.maxSessions) sticky.delete(sticky.keys().next().value as string);
  };
  return {
    name: 'session',
    deterministic: true,
    pick(ctx: RouteContext, candidates: readonly Backend[]): RoutePick | null {
      if (candidates.length === 0) return null;
      const key = sessionKey(ctx, header);
      if (key === null) return { backend: byLoad(candidates)[0]!, reason: 'fallback' };
      const ranking = rendezvousOrder(cyrb53(key), candidates);
      const known = sticky.get(key);
      const home = known === undefined ? undefined : candidates.find((b) => b.url === known);
      const hashedFirst = ranking[0];
      if (home) {
        ranking.splice(ranking.indexOf(home), 1);
        ranking.unshift(home);
      }
      const chosen = pickBounded(ranking, candidates, opts.epsilon)!;
      remember(key, chosen.backend.url);
      const reason = chosen.rank > 0 ? 'overflow' : home ? 'sticky' : 'hash';
      const pick: RoutePick = { backend: chosen.backend, reason };
      // Sibling workers would place this session by hash: tell them when it lives elsewhere, or
      // comes back from elsewhere — once, when it moves (a session that stays where it was
      // recorded is a record they were told of then).
      if (chosen.backend !== home && (chosen.backend !== hashedFirst || (home && home !== hashedFirst)))
        pick.memo = { kind: 'session', key, url: chosen.backend.url };
      if (opts.epsilon !== null)
        pick.walk = { ranking, candidates, epsilon: opts.epsilon, memoFor: (url) => ({ kind: 'session', key, url }) };
      return pick;
    },
    forget(backend: Backend) {
      for (const [k, url] of sticky) if (url === backend.url) sticky.delete(k);
    },
    adopt(memo) {
      if (memo.kind === 'session') remember(memo.key, memo.url);
    },
  };
}
