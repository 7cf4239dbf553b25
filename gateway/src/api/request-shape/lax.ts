// pydantic v2 lax-mode coercion, as vLLM's request models apply it to JSON input: a field typed
// `int` also takes true/false, 5.0 and "5" / " 5 " / "5_000" / "5.0"; `float` takes numeric
// strings ("0.5", "1_0", "inf", "nan"); `bool` takes 0/1 and "yes"/"off"/"t"/... The gateway
// refuses only what these refuse, so that a request vLLM would serve is never turned away here.
// (Rules checked against pydantic 2 with vLLM 0.33's ChatCompletionRequest field types.)

const INT_TEXT = /^[+-]?\d+(?:_\d+)*(?:\.0*)?$/;
const FLOAT_TEXT = /^[+-]?(?:(?:\d+(?:_\d+)*)(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:e[+-]?\d+)?$/i;
const FLOAT_WORDS = /^[+-]?(?:inf|infinity|nan)$/i;
const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** The integer pydantic makes of `v`, or undefined when it refuses it. */
export function laxInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  // A JSON integer of any size is a Python int (JSON cannot tell 1e20 from 100000000000000000000).
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (!INT_TEXT.test(text)) return undefined;
  const n = Number(text.replace(/_/g, ''));
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** The float pydantic makes of `v` (possibly ±Infinity or NaN), or undefined when it refuses it. */
export function laxFloat(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (FLOAT_WORDS.test(text)) return /nan/i.test(text) ? NaN : text.startsWith('-') ? -Infinity : Infinity;
  if (!FLOAT_TEXT.test(text)) return undefined;
  return Number(text.replace(/_/g, ''));
}

/** The boolean pydantic makes of `v`, or undefined when it refuses it. */
export function laxBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  const word = v.toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
}
