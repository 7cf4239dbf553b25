// Cancel (upstream/cancel.ts) behaves as AbortController does for what the upstream path reads:
// the same `aborted`/`reason`, listeners called once in order, none after removal or after the
// abort — checked against a real AbortController driven the same way.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Cancel, type CancelSignal } from '../../src/upstream/cancel.js';

type Op = { op: 'add'; id: number } | { op: 'remove'; id: number } | { op: 'abort'; reason: number };

/** Runs the same operations on a signal; returns the listener calls in order and the final state. */
function drive(signal: CancelSignal, abort: (reason: unknown) => void, ops: Op[]) {
  const calls: number[] = [];
  const listeners = new Map<number, () => void>();
  const listener = (id: number) => {
    let l = listeners.get(id);
    if (!l) listeners.set(id, (l = () => calls.push(id)));
    return l;
  };
  for (const o of ops) {
    if (o.op === 'add') signal.addEventListener('abort', listener(o.id), { once: true });
    else if (o.op === 'remove') signal.removeEventListener('abort', listener(o.id));
    else abort({ kind: o.reason });
  }
  return { calls, aborted: signal.aborted, reason: signal.reason };
}

describe('Cancel', () => {
  it('matches AbortController on any sequence of adds, removes and aborts', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), id: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ op: fc.constant('abort' as const), reason: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const real = new AbortController();
        const ours = new Cancel();
        expect(drive(ours.signal, (r) => ours.abort(r), ops)).toEqual(drive(real.signal, (r) => real.abort(r), ops));
      }),
      { numRuns: 2000 },
    );
  });
});
