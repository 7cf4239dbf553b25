// JSON.stringify of a parsed request part, computed once per object. The request's `tools` array
// is keyed by its serialization in more than one place (tool admission's memo, the prefix
// policy's header cache); the same array object flows through all of them, so only the first pays.
const memo = new WeakMap<object, string>();

export function jsonOnce(value: object): string {
  let json = memo.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    memo.set(value, json);
  }
  return json;
}
