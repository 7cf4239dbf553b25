// Function-name resolution: exact, then normalized (case and . _ - separators, a "functions."
// prefix), then the unique close match. Anything ambiguous is refused — a wrong tool is worse than
// an invalid call.
import type { RepairKind } from './repair-kinds.js';

export type NameResolution = { ok: true; name: string; repair?: RepairKind } | { ok: false; error: string };

export const normalizeName = (name: string): string =>
  name
    .trim()
    .replace(/^functions?[.:]/i, '')
    .toLowerCase()
    .replace(/[\s._\-:/]+/g, '');

/** Damerau (optimal string alignment) distance, capped: returns cap+1 as soon as it must exceed cap. */
export function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, rows[i - 2]![j - 2]! + 1);
      row.push(v);
      best = Math.min(best, v);
    }
    rows.push(row);
    if (i > 0 && best > cap) return cap + 1;
  }
  return rows[a.length]![b.length]!;
}

/** How far a name may drift and still be matched: one edit below 10 characters, two above; none below 4. */
export const fuzzyBudget = (len: number): number => (len < 4 ? 0 : len < 10 ? 1 : 2);

export class NameResolver {
  private readonly exact: Set<string>;
  private readonly normalized = new Map<string, string[]>();

  constructor(names: readonly string[]) {
    this.exact = new Set(names);
    for (const n of names) {
      const key = normalizeName(n);
      const list = this.normalized.get(key) ?? [];
      list.push(n);
      this.normalized.set(key, list);
    }
  }

  resolve(name: string): NameResolution {
    if (this.exact.has(name)) return { ok: true, name };
    const key = normalizeName(name);
    const norm = this.normalized.get(key);
    if (norm && norm.length === 1) return { ok: true, name: norm[0]!, repair: 'name_normalized' };
    if (norm && norm.length > 1)
      return { ok: false, error: `function name '${name}' is ambiguous (${norm.join(', ')})` };
    const budget = fuzzyBudget(key.length);
    if (budget > 0) {
      const close: string[] = [];
      for (const [k, originals] of this.normalized) {
        if (editDistance(key, k, budget) <= budget) close.push(...originals);
      }
      if (close.length === 1) return { ok: true, name: close[0]!, repair: 'name_fuzzy' };
      if (close.length > 1) return { ok: false, error: `function name '${name}' is ambiguous (${close.join(', ')})` };
    }
    return { ok: false, error: `unknown function '${name}'` };
  }

  /** How many tool names it resolves to. */
  get size(): number {
    return this.exact.size;
  }

  /** Cheap gate for bare-text detection: would resolve() find a tool? */
  has(name: string): boolean {
    return this.resolve(name).ok;
  }
}
