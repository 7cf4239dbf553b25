// prefix (the default): send a request where its prompt's prefix is most likely already in the
// engine's KV cache, without letting one hot tenant overload a pod.
//   1. canonical prompt (model + tools + messages, stable JSON) → fixed-size blocks → chained hashes
//      (streamed into the hashes; the tenant header's part is cached, see canonical.ts)
//   2. the LRU index maps recent chain hashes → backend; the longest match ranks first
//   3. then every backend in rendezvous order of the tenant anchor (tools + system prompt), so
//      a tenant never seen by this replica lands where other replicas send it too
//   4. the bounded-load walk takes the first backend in that ranking under ⌈(1+ε)·mean⌉
// The chosen backend is recorded for all the request's blocks, so its next turn (whose chain
// extends this one) and concurrent requests of the same tenant follow it. When that backend is
// not the tenant's rendezvous first choice, the record is also returned as a memo for sibling
// worker processes (the only case where their own hashing would disagree), once: a pick whose
// whole chain already pointed there sends none.
import type { Backend } from '../backend.js';
import type { RouteContext, RoutePick, RoutingPolicy } from '../policy.js';
import { pickBounded } from '../pick/bounded-load.js';
import { rendezvousOrder } from '../pick/rendezvous.js';
import { canonicalChain, HeaderCache } from '../prefix/canonical.js';
import { PrefixIndex } from '../prefix/prefix-index.js';

export interface PrefixOptions {
  /** null: no load bound (comparisons only). */
  epsilon: number | null;
  blockChars: number;
  indexEntries: number;
}

export function createPrefixPolicy(opts: PrefixOptions): RoutingPolicy {
  const index = new PrefixIndex(opts.indexEntries);
  const headers = new HeaderCache();
  return {
    name: 'prefix',
    deterministic: true,
    pick(ctx: RouteContext, candidates: readonly Backend[]): RoutePick | null {
      if (candidates.length === 0) return null;
      const chain = canonicalChain(ctx.model, ctx.body, opts.blockChars, headers);
      const byUrl = new Map(candidates.map((b) => [b.url, b]));
      const matches = index.lookup(chain.hashes).filter((m) => byUrl.has(m.url));
      const ranking: Backend[] = matches.map((m) => byUrl.get(m.url)!);
      const matched = new Set(ranking);
      const hashed = rendezvousOrder(chain.anchor, candidates);
      for (const b of hashed) if (!matched.has(b)) ranking.push(b);
      const chosen = pickBounded(ranking, candidates, opts.epsilon)!;
      index.record(chain.hashes, chosen.backend.url);
      const matchedBlocks = matches.find((m) => m.url === chosen.backend.url)?.blocks ?? 0;
      const reason = chosen.rank > 0 ? 'overflow' : matches.length > 0 ? 'prefix_hit' : 'hash';
      const pick: RoutePick = { backend: chosen.backend, reason, matchedBlocks };
      // Sibling workers would follow the hash: tell them when this prefix lives, or lived, elsewhere
      // — unless the whole chain was already recorded on the chosen backend and on no other, a
      // record they were told of when it was made (a hot tenant's repeats would otherwise send
      // one memo each).
      const known = matches.length === 1 && matchedBlocks === chain.hashes.length;
      if (!known && (chosen.backend !== hashed[0] || ranking[0] !== hashed[0]))
        pick.memo = { kind: 'prefix', hashes: chain.hashes, url: chosen.backend.url };
      if (opts.epsilon !== null)
        pick.walk = {
          ranking,
          candidates,
          epsilon: opts.epsilon,
          memoFor: (url) => ({ kind: 'prefix', hashes: chain.hashes, url }),
        };
      return pick;
    },
    forget(backend: Backend) {
      index.forget(backend.url);
    },
    adopt(memo) {
      if (memo.kind === 'prefix') index.record(memo.hashes, memo.url);
    },
  };
}
