// prom-client's Counter, Gauge and Histogram with a fast path for the calls the request path
// makes (inc, set, observe, labels(...).observe). prom-client validates the label names, builds
// a hash string and (histograms) allocates a closure and an object on every call; here each
// label set is resolved once to prom-client's own entry, which later calls update in place —
// so exposition, aggregation across workers and every other prom-client feature are unchanged.
// The entry layout is prom-client 15's (hashMap values: {value, labels} for counters and gauges,
// {labels, bucketValues, sum, count} for histograms); a test replays random operations on both
// and compares the exposition text, so an upgrade that changes it fails loudly.
import {
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type LabelValues,
} from 'prom-client';

type Labels = Record<string, string | number>;
interface Internals<E> {
  labelNames: string[];
  sortedLabelNames: string[];
  hashMap: Record<string, E>;
}

/**
 * The label set → prom-client entry map of one metric: one Map level per label, so a lookup is
 * a few hash probes on the label value strings (whose hashes V8 caches) — no key is built.
 */
class Entries<E> {
  private root = new Map<unknown, unknown>();

  constructor(
    private readonly metric: Internals<E>,
    private readonly create: (labels: Labels) => E,
  ) {}

  get(labels: Labels): E {
    const names = this.metric.labelNames;
    const last = names.length - 1;
    if (last < 0) return (this.root.get('') as E | undefined) ?? this.resolve(labels, this.root, '');
    let node = this.root;
    for (let i = 0; i < last; i++) {
      const v = labels[names[i]!];
      let next = node.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) node.set(v, (next = new Map()));
      node = next;
    }
    const v = labels[names[last]!];
    return (node.get(v) as E | undefined) ?? this.resolve(labels, node, v);
  }

  clear(): void {
    this.root = new Map();
  }

  /** First use of a label set: validate as prom-client does and find or create its entry. */
  private resolve(labels: Labels, node: Map<unknown, unknown>, key: unknown): E {
    const names = this.metric.labelNames;
    for (const k in labels)
      if (!names.includes(k))
        throw new Error(`Added label "${k}" is not included in initial labelset: ${JSON.stringify(names)}`);
    // prom-client's hash of this label set (util.fastHashObject over the sorted names).
    let hash = '';
    for (const name of this.metric.sortedLabelNames) if (labels[name] !== undefined) hash += `${name}:${labels[name]},`;
    const entry = this.metric.hashMap[hash] ?? (this.metric.hashMap[hash] = this.create({ ...labels }));
    node.set(key, entry);
    return entry;
  }
}

const checkValue = (value: number) => {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
};

export class FastCounter<T extends string = string> extends Counter<T> {
  private entries?: Entries<{ value: number; labels: Labels }>;

  constructor(config: CounterConfiguration<T>) {
    super(config);
    this.entries = new Entries(this as unknown as Internals<{ value: number; labels: Labels }>, (labels) => ({
      value: 0,
      labels,
    }));
    // prom-client assigns inc per instance; replace it the same way.
    this.inc = ((labels?: LabelValues<T> | number, value?: number) => {
      if (typeof labels !== 'object' || labels === null) [value, labels] = [labels, {}];
      const v = value ?? 1;
      checkValue(v);
      if (v < 0) throw new Error('It is not possible to decrease a counter');
      this.entries!.get(labels as Labels).value += v;
    }) as Counter<T>['inc'];
  }

  override reset(): void {
    super.reset();
    this.entries?.clear();
  }

  override remove(...args: unknown[]): void {
    (super.remove as (...a: unknown[]) => void)(...args);
    this.entries?.clear();
  }
}

export class FastGauge<T extends string = string> extends Gauge<T> {
  private entries?: Entries<{ value: number; labels: Labels }>;

  constructor(config: GaugeConfiguration<T>) {
    super(config);
    this.entries = new Entries(this as unknown as Internals<{ value: number; labels: Labels }>, (labels) => ({
      value: 0,
      labels,
    }));
  }

  private entry(labels: LabelValues<T> | number | undefined): { value: number; labels: Labels } {
    return this.entries!.get(typeof labels === 'object' && labels !== null ? (labels as Labels) : {});
  }

  override set(labels: LabelValues<T> | number, value?: number): void {
    const v = typeof labels === 'object' ? value! : labels;
    if (typeof v !== 'number') throw new TypeError(`Value is not a valid number: ${String(v)}`);
    this.entry(labels).value = v;
  }

  override inc(labels?: LabelValues<T> | number, value?: number): void {
    const v = typeof labels === 'object' ? (value ?? 1) : (labels ?? 1);
    checkValue(v);
    this.entry(labels).value += v;
  }

  override dec(labels?: LabelValues<T> | number, value?: number): void {
    const v = typeof labels === 'object' ? (value ?? 1) : (labels ?? 1);
    checkValue(v);
    this.entry(labels).value -= v;
  }

  override reset(): void {
    super.reset();
    this.entries?.clear();
  }

  override remove(...args: unknown[]): void {
    (super.remove as (...a: unknown[]) => void)(...args);
    this.entries?.clear();
  }
}

interface HistogramEntry {
  labels: Labels;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

export class FastHistogram<T extends string = string> extends Histogram<T> {
  private entries?: Entries<HistogramEntry>;
  private readonly bounds: readonly number[];
  /** The bucket keys of prom-client's bucketValues objects, as strings (no number → string per observation). */
  private readonly bucketKeys: readonly string[];
  /** Bumped when entries are dropped, so that children re-resolve theirs. */
  private generation = 0;

  constructor(config: HistogramConfiguration<T>) {
    super(config);
    const internals = this as unknown as Internals<HistogramEntry> & {
      upperBounds: number[];
      bucketValues: Record<number, number>;
    };
    this.bounds = internals.upperBounds;
    this.bucketKeys = this.bounds.map(String);
    this.entries = new Entries(internals, (labels) => ({
      labels,
      bucketValues: { ...internals.bucketValues },
      sum: 0,
      count: 0,
    }));
    this.observe = ((labels: LabelValues<T> | number, value?: number) => {
      if (typeof labels === 'object') this.record(this.entries!.get(labels as Labels), value!);
      else this.record(this.entries!.get({}), labels);
    }) as Histogram<T>['observe'];
  }

  /** A child bound to one label set: resolved once, re-resolved only after a reset() or remove(). */
  override labels(first: unknown, ...rest: unknown[]): Histogram.Internal<T> {
    const labels = (typeof first === 'object' && first !== null ? first : this.positional([first, ...rest])) as Labels;
    return new HistogramChild(this, labels);
  }

  /** @internal the entry of a label set and the generation it belongs to (for HistogramChild). */
  entryOf(labels: Labels): HistogramEntry {
    return this.entries!.get(labels);
  }

  get currentGeneration(): number {
    return this.generation;
  }

  /** @internal */
  record(entry: HistogramEntry, value: number): void {
    checkValue(value);
    entry.sum += value;
    entry.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        (entry.bucketValues as Record<string, number>)[this.bucketKeys[i]!]! += 1;
        return;
      }
    }
  }

  private positional(values: unknown[]): Labels {
    const names = (this as unknown as Internals<HistogramEntry>).labelNames;
    const out: Labels = {};
    names.forEach((n, i) => (out[n] = values[i] as string));
    return out;
  }

  override reset(): void {
    super.reset();
    this.entries?.clear();
    this.generation++;
  }

  override remove(...args: unknown[]): void {
    (super.remove as (...a: unknown[]) => void)(...args);
    this.entries?.clear();
    this.generation++;
  }
}

/** `histogram.labels(...)`: observes into its label set's entry without looking it up again. */
class HistogramChild<T extends string> {
  private entry: HistogramEntry;
  private generation: number;

  constructor(
    private readonly histogram: FastHistogram<T>,
    private readonly labels: Labels,
  ) {
    this.entry = histogram.entryOf(labels);
    this.generation = histogram.currentGeneration;
  }

  observe(value: number): void {
    if (this.generation !== this.histogram.currentGeneration) {
      this.entry = this.histogram.entryOf(this.labels);
      this.generation = this.histogram.currentGeneration;
    }
    this.histogram.record(this.entry, value);
  }

  startTimer(more?: LabelValues<T>): (end?: LabelValues<T>) => number {
    return this.histogram.startTimer({ ...this.labels, ...more });
  }
}
