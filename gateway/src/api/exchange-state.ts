// Typed per-request state that plugins share through the Exchange (as llm-d's scheduler does with
// typed cycle-state keys): a plugin owns a key and writes its value; other plugins read it by the
// same key, typed, without importing a module-level map or knowing the owner's internals.

/** A typed slot in an exchange's state; create one per kind of value, at module level. */
export class StateKey<T> {
  declare readonly _type: T;
  constructor(readonly name: string) {}
}

export class ExchangeState {
  private readonly values = new Map<StateKey<unknown>, unknown>();

  get<T>(key: StateKey<T>): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  set<T>(key: StateKey<T>, value: T): void {
    this.values.set(key, value);
  }

  has(key: StateKey<unknown>): boolean {
    return this.values.has(key);
  }
}
