// Whether two responses made the same tool calls: same names with deep-equal arguments, as a
// multiset (order-free, as parallel calls may come in any order). Both sides without calls agree.

export interface SimpleCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** JSON with object keys sorted at every level, so equal values serialize equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function callsAgree(a: SimpleCall[] | null, b: SimpleCall[] | null): boolean {
  if (a === null || b === null) return false;
  if (a.length !== b.length) return false;
  const key = (c: SimpleCall) => `${c.name}\u0000${canonicalJson(c.arguments)}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, i) => k === right[i]);
}
