// One exchange's cancellation (client gone, total deadline), with the part of AbortController's
// API the upstream path uses. Node 20 builds every AbortSignal as a transferable EventTarget: an
// AbortController with one listener added and removed cost 19 µs per request here, against
// 0.5 µs for this (measured side by side), on a proxied request that costs ~400 µs in all.
// A real AbortSignal satisfies CancelSignal too (tests pass one).

/** What readers of a cancellation see: AbortSignal's `aborted`, `reason` and abort listeners. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class Cancel implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | null = null;

  /** The reading side (this object: there is nothing else to hand out). */
  get signal(): CancelSignal {
    return this;
  }

  /** Aborts once with `reason`; listeners run in the order they were added. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners) for (const l of listeners) l();
  }

  /** As on an AbortSignal: added once however often, never called when added after the abort. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    const listeners = (this.listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }
}
