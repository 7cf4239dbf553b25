// The fast metric classes must be indistinguishable from prom-client's own: the same random
// operations on both give the same exposition text and the same JSON (what the cluster
// aggregation reads), label validation included.
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastGauge, FastHistogram } from '../../src/telemetry/fast-metrics.js';

type Op =
  | { kind: 'labelled'; m: 'counter' | 'gauge' | 'histogram'; a: string; b: string; v: number; child: boolean }
  | { kind: 'plain'; m: 'counter0' | 'histogram0'; v: number }
  | { kind: 'remove'; m: 'counter' | 'gauge' | 'histogram'; a: string; b: string }
  | { kind: 'reset' };

function build(kind: 'stock' | 'fast') {
  const registry = new Registry();
  const C = kind === 'stock' ? Counter : FastCounter;
  const G = kind === 'stock' ? Gauge : FastGauge;
  const H = kind === 'stock' ? Histogram : FastHistogram;
  const labelNames = ['b', 'a'] as const; // declared unsorted on purpose
  const buckets = [0.001, 0.01, 0.1, 1, 10];
  return {
    registry,
    counter: new C({ name: 'c_total', help: 'c', labelNames, registers: [registry] }),
    counter0: new C({ name: 'c0_total', help: 'c0', registers: [registry] }),
    gauge: new G({ name: 'g', help: 'g', labelNames, registers: [registry] }),
    histogram: new H({ name: 'h_seconds', help: 'h', labelNames, buckets, registers: [registry] }),
    histogram0: new H({ name: 'h0_seconds', help: 'h0', buckets, registers: [registry] }),
  };
}

function apply(m: ReturnType<typeof build>, op: Op, children: Map<string, { observe(v: number): void }>): void {
  switch (op.kind) {
    case 'reset':
      for (const x of [m.counter, m.counter0, m.gauge, m.histogram, m.histogram0]) x.reset();
      return;
    case 'plain':
      if (op.m === 'counter0') m.counter0.inc(op.v);
      else m.histogram0.observe(op.v);
      return;
    case 'remove':
      m[op.m].remove({ a: op.a, b: op.b });
      return;
    case 'labelled': {
      const labels = { a: op.a, b: op.b };
      if (op.m === 'counter') m.counter.inc(labels, op.v);
      else if (op.m === 'gauge' && op.child) m.gauge.inc(labels, op.v);
      else if (op.m === 'gauge') m.gauge.set(labels, op.v);
      else if (!op.child) m.histogram.observe(labels, op.v);
      else {
        const key = `${op.a}|${op.b}`;
        if (!children.has(key)) children.set(key, m.histogram.labels(labels));
        children.get(key)!.observe(op.v);
      }
      return;
    }
  }
}

const label = fc.constantFrom('x', 'y', 'z');
const value = fc.oneof(fc.constantFrom(0, 0.001, 0.01, 1, 10, 11), fc.double({ min: 0, max: 20, noNaN: true }));
const metric = fc.constantFrom('counter' as const, 'gauge' as const, 'histogram' as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('labelled' as const),
      m: metric,
      a: label,
      b: label,
      v: value,
      child: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('plain' as const),
      m: fc.constantFrom('counter0' as const, 'histogram0' as const),
      v: value,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), m: metric, a: label, b: label }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

describe('fast metrics', () => {
  it('expose exactly what prom-client exposes after any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const stock = build('stock');
        const fast = build('fast');
        const stockChildren = new Map();
        const fastChildren = new Map();
        for (const o of ops) {
          apply(stock, o, stockChildren);
          apply(fast, o, fastChildren);
        }
        expect(await fast.registry.metrics()).toBe(await stock.registry.metrics());
        expect(await fast.registry.getMetricsAsJSON()).toEqual(await stock.registry.getMetricsAsJSON());
      }),
      { numRuns: 300 },
    );
  });

  it('refuse what prom-client refuses', () => {
    const m = build('fast');
    expect(() => m.counter.inc({ a: 'x', c: 'oops' } as never)).toThrow(/not included in initial labelset/);
    expect(() => m.counter.inc({ a: 'x', b: 'y' }, -1)).toThrow(/decrease/);
    expect(() => m.histogram.observe({ a: 'x', b: 'y' }, Number.NaN)).toThrow(/not a valid number/);
  });
});
