// A fixed-capacity FIFO: push never blocks and never grows past `capacity`; the caller decides
// what a refused push means (capture counts it as a drop). A ring buffer keeps push/shift O(1).

export class BoundedQueue<T> {
  private readonly buf: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
    this.buf = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds an item; false (and nothing stored) when full. */
  push(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.buf[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  /** Removes and returns up to `max` items in FIFO order. */
  take(max: number): T[] {
    const n = Math.min(max, this.count);
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.buf[this.head] as T;
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.count -= n;
    return out;
  }
}
