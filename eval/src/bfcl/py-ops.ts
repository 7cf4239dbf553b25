// The handful of Python operations the BFCL checker applies to loosely-typed data (`in`, `len`,
// indexing, iteration). Each behaves like CPython on the same value, including raising where
// Python raises, so malformed possible answers crash here exactly when they crash there.
import { PyCrash, pyEq, pyIn, pyLen, pyTypeName, type PyValue } from './py-value.js';

const chars = (s: string): PyValue[] => [...s].map((c) => ({ t: 'str', v: c }) as const);

/** `for x in value` */
export function pyIter(x: PyValue): PyValue[] {
  if (x.t === 'list') return x.v;
  if (x.t === 'str') return chars(x.v);
  if (x.t === 'dict') return [...x.v.keys()].map((k) => ({ t: 'str', v: k }) as const);
  throw new PyCrash('TypeError', `'${pyTypeName(x)}' object is not iterable`);
}

/** `for i in range(len(value)): value[i]` — differs from pyIter for dicts (indexing a dict by 0 fails). */
export function pyIndexIter(x: PyValue): PyValue[] {
  const n = pyLen(x);
  if (x.t === 'dict') {
    if (n > 0) throw new PyCrash('KeyError', '0');
    return [];
  }
  return pyIter(x);
}

/** `value[i]` with an int index. */
export function pyIndex(x: PyValue, i: number): PyValue {
  if (x.t === 'list' || x.t === 'str') {
    const items = x.t === 'list' ? x.v : chars(x.v);
    const item = items[i];
    if (item === undefined) throw new PyCrash('IndexError', `${x.t} index out of range`);
    return item;
  }
  if (x.t === 'dict') throw new PyCrash('KeyError', String(i));
  throw new PyCrash('TypeError', `'${pyTypeName(x)}' object is not subscriptable`);
}

/** `container[key]` with a str key. */
export function pyGetKey(x: PyValue, key: string): PyValue {
  if (x.t === 'dict') {
    const v = x.v.get(key);
    if (v === undefined) throw new PyCrash('KeyError', `'${key}'`);
    return v;
  }
  if (x.t === 'list' || x.t === 'str')
    throw new PyCrash('TypeError', `${x.t} indices must be integers or slices, not str`);
  throw new PyCrash('TypeError', `'${pyTypeName(x)}' object is not subscriptable`);
}

/** `item in container` */
export function pyContains(container: PyValue, item: PyValue): boolean {
  if (container.t === 'list') return pyIn(item, container.v);
  if (container.t === 'dict') {
    if (item.t === 'list' || item.t === 'dict') throw new PyCrash('TypeError', `unhashable type: '${item.t}'`);
    return item.t === 'str' && container.v.has(item.v);
  }
  if (container.t === 'str') {
    if (item.t !== 'str')
      throw new PyCrash('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return container.v.includes(item.v);
  }
  throw new PyCrash('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

/** `value.items()` */
export function pyItems(x: PyValue): [string, PyValue][] {
  if (x.t !== 'dict') throw new PyCrash('AttributeError', `'${pyTypeName(x)}' object has no attribute 'items'`);
  return [...x.v];
}

export const EMPTY: PyValue = { t: 'str', v: '' };
export const isEmptyStr = (x: PyValue): boolean => x.t === 'str' && x.v === '';
export { pyEq };
