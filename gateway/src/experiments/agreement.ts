// Whether two responses made the same tool calls: same names with deep-equal arguments, as a
// multiset (order-free, as parallel calls may come in any order). Both sides without calls agree.
import { canonicalJson } from '../toolcalls/index.js';

export interface SimpleCall {
  name: string;
  arguments: Record<string, unknown>;
}

export function callsAgree(a: SimpleCall[] | null, b: SimpleCall[] | null): boolean {
  if (a === null || b === null) return false;
  if (a.length !== b.length) return false;
  const key = (c: SimpleCall) => `${c.name}\u0000${canonicalJson(c.arguments)}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, i) => k === right[i]);
}
