// The closed set of repair labels. They become Prometheus label values and capture fields, so the
// set is bounded and every label means exactly one kind of fix (documented in docs/toolcalls.md).

export const REPAIR_KINDS = [
  // where the call was found
  'think_recovered', // the only call(s) stood inside <think>…</think>
  'think_duplicate', // a call written inside <think> and again (after it, or twice inside) was counted once
  'fence_stripped', // a markdown ``` fence around the JSON
  'bare_json', // JSON call without <tool_call> tags
  'prose_stripped', // text around the JSON inside a tag / around a bare call was dropped
  'close_tag_missing', // <tool_call> without </tool_call>
  'truncated_closed', // generation stopped right after a complete value; the open brackets were closed (later arguments may be lost)
  'close_tag_in_string', // a literal </tool_call> inside a string value was not taken as the end
  'python_call_syntax', // get_weather(city='Paris')
  'multiple_objects', // several objects (concatenated or an array) in one block
  // JSON syntax
  'json_syntax', // anything jsonrepair fixed: quotes, Python literals, commas, comments, braces
  'bad_escape', // a string with an invalid escape (\U, \d) read verbatim: its backslashes are literal
  'literal_backslashes', // ...and that string's valid-looking escapes (\n, \t) stayed literal text too
  // shape
  'parameters_key', // "parameters" instead of "arguments"
  'arguments_string', // arguments double-encoded as a JSON string
  'arguments_null', // arguments null/missing for a tool without required parameters
  'function_wrapper', // {"type":"function","function":{…}}
  // name
  'name_normalized', // case / . _ - differences, or a "functions." prefix
  'name_fuzzy', // the unique close match among the request's tools
  'named_tool_choice', // bare arguments under tool_choice {function:{name}}
  // arguments
  'coerce_integer',
  'coerce_number',
  'coerce_boolean',
  'coerce_string',
  'coerce_enum_case',
  'coerce_array_wrap',
  'coerce_array_split',
  'coerce_json_string', // an object/array argument sent as a JSON string
  'argument_key_normalized', // "City" for "city" when unique and not already present
  'drop_unknown_argument', // only where additionalProperties: false
  'drop_null_optional', // null for an optional argument whose schema does not allow null
] as const;

export type RepairKind = (typeof REPAIR_KINDS)[number];

/** Appends a kind once, keeping first-seen order (labels are a set, order is for humans). */
export function addRepair(list: RepairKind[], kind: RepairKind): void {
  if (!list.includes(kind)) list.push(kind);
}
