// Schema-driven, lossless argument coercion. A value is changed only when its JSON type differs from
// the single declared type and the conversion cannot lose or invent information ("5" → 5 but not
// "5.5" → 5; "a,b" → ["a","b"] only where the items are enum or numeric). Missing required
// arguments are never filled in — validation reports them. Keys are read and written as own
// properties only: `__proto__`, `constructor` and `prototype` are ordinary argument names here.
import { isPlainObject, parseLenient } from './json-text.js';
import { hasOwn, setOwn } from './safe-json.js';
import { addRepair, type RepairKind } from './repair-kinds.js';

type Schema = Record<string, unknown>;

const INTEGER_TEXT = /^-?\d+(?:\.0+)?$/;
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, type: string): boolean {
  const t = jsonType(v);
  return t === type || (type === 'number' && t === 'integer');
}

function declaredType(s: Schema): string | undefined {
  return typeof s.type === 'string' ? s.type : undefined;
}

function allowsNull(s: Schema): boolean {
  if (s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null'))) return true;
  if (Array.isArray(s.enum) && s.enum.includes(null)) return true;
  if (s.nullable === true) return true;
  for (const k of ['anyOf', 'oneOf'] as const) {
    const list = s[k];
    if (Array.isArray(list) && list.some((x) => isPlainObject(x) && allowsNull(x))) return true;
  }
  return s.type === undefined && s.enum === undefined && s.anyOf === undefined && s.oneOf === undefined;
}

/** Converts a scalar to `type` losslessly, or returns undefined. */
function coerceScalar(v: unknown, type: string, repairs: RepairKind[]): unknown {
  if (type === 'integer' && typeof v === 'string' && INTEGER_TEXT.test(v.trim())) {
    const n = Number(v.trim());
    if (Number.isSafeInteger(n)) return (addRepair(repairs, 'coerce_integer'), n);
  }
  if (type === 'number' && typeof v === 'string' && NUMBER_TEXT.test(v.trim())) {
    const n = Number(v.trim());
    if (Number.isFinite(n)) return (addRepair(repairs, 'coerce_number'), n);
  }
  if (type === 'boolean' && typeof v === 'string' && /^(true|false)$/i.test(v.trim())) {
    return (addRepair(repairs, 'coerce_boolean'), v.trim().toLowerCase() === 'true');
  }
  if (type === 'string' && (typeof v === 'number' || typeof v === 'boolean')) {
    return (addRepair(repairs, 'coerce_string'), String(v));
  }
  return undefined;
}

function coerceEnum(v: unknown, values: unknown[], repairs: RepairKind[]): unknown {
  if (values.some((e) => e === v)) return v;
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  const needle = String(v).toLowerCase();
  const hits = values.filter(
    (e) => (typeof e === 'string' || typeof e === 'number') && String(e).toLowerCase() === needle,
  );
  if (hits.length !== 1) return v;
  addRepair(repairs, 'coerce_enum_case');
  return hits[0];
}

function splittable(items: unknown): boolean {
  if (!isPlainObject(items)) return false;
  return Array.isArray(items.enum) || items.type === 'integer' || items.type === 'number';
}

function coerceArray(v: unknown, s: Schema, repairs: RepairKind[]): unknown {
  let arr: unknown[] | undefined = Array.isArray(v) ? v : undefined;
  if (!arr && typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      const parsed = parseLenient(t);
      if (parsed.ok && Array.isArray(parsed.value)) {
        addRepair(repairs, 'coerce_json_string');
        arr = parsed.value;
      }
    } else if (t.includes(',')) {
      if (splittable(s.items)) {
        const local: RepairKind[] = [];
        const parts = t.split(',').map((p) => coerceValue(p.trim(), s.items as Schema, local));
        if (parts.every((p) => typesFit(p, s.items as Schema))) {
          addRepair(repairs, 'coerce_array_split');
          for (const k of local) addRepair(repairs, k);
          arr = parts;
        }
      }
      if (!arr) return v; // "Paris, France" could be one value or two: refuse to guess
    }
  }
  if (!arr && v !== null && v !== undefined && typeof v !== 'object') {
    addRepair(repairs, 'coerce_array_wrap');
    arr = [v];
  }
  if (!arr) return v;
  const items = s.items;
  return isPlainObject(items) ? arr.map((x) => coerceValue(x, items, repairs)) : arr;
}

function typesFit(v: unknown, s: Schema): boolean {
  const t = declaredType(s);
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === v)) return false;
  return t === undefined || typeMatches(v, t);
}

export function coerceObject(obj: Record<string, unknown>, s: Schema, repairs: RepairKind[]): Record<string, unknown> {
  const props = isPlainObject(s.properties) ? s.properties : undefined;
  if (!props) return obj;
  const required = Array.isArray(s.required)
    ? new Set(s.required.filter((r): r is string => typeof r === 'string'))
    : new Set<string>();
  const out: Record<string, unknown> = {};
  const known = Object.keys(props);
  const squash = (k: string): string => k.toLowerCase().replace(/[\s_-]/g, '');
  for (const [key, value] of Object.entries(obj)) {
    let target = key;
    if (!hasOwn(props, key)) {
      const hits = known.filter((p) => squash(p) === squash(key));
      if (hits.length === 1 && !hasOwn(obj, hits[0]!)) {
        target = hits[0]!;
        addRepair(repairs, 'argument_key_normalized');
      }
    }
    const ps = hasOwn(props, target) ? props[target] : undefined;
    if (!isPlainObject(ps)) {
      const dropUnknown = s.additionalProperties === false && !isPlainObject(s.patternProperties);
      if (dropUnknown) addRepair(repairs, 'drop_unknown_argument');
      else setOwn(out, target, value);
      continue;
    }
    if (value === null && !required.has(target) && !allowsNull(ps)) {
      addRepair(repairs, 'drop_null_optional');
      continue;
    }
    setOwn(out, target, coerceValue(value, ps, repairs));
  }
  return out;
}

/** Returns `v` converted toward schema `s`, recording every change in `repairs`. */
export function coerceValue(v: unknown, s: Schema, repairs: RepairKind[]): unknown {
  const type = declaredType(s);
  let out = v;
  if (type && !typeMatches(out, type)) {
    if (type === 'array') out = coerceArray(out, s, repairs);
    else if (type === 'object' && typeof out === 'string' && out.trim().startsWith('{')) {
      const parsed = parseLenient(out.trim());
      if (parsed.ok && isPlainObject(parsed.value)) {
        addRepair(repairs, 'coerce_json_string');
        out = parsed.value;
      }
    } else {
      const c = coerceScalar(out, type, repairs);
      if (c !== undefined) out = c;
    }
  } else if (type === 'array' && Array.isArray(out) && isPlainObject(s.items)) {
    const items = s.items;
    out = out.map((x) => coerceValue(x, items, repairs));
  }
  if (Array.isArray(s.enum)) out = coerceEnum(out, s.enum, repairs);
  if (isPlainObject(out) && (type === 'object' || type === undefined) && isPlainObject(s.properties))
    out = coerceObject(out, s, repairs);
  return out;
}
