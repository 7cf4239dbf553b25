// Recursive and exponential schemas, found before Ajv compiles them. A schema is a graph: some
// keywords apply a subschema to the same value ($ref, allOf/anyOf/oneOf, not, if/then/else,
// dependencies), others to a member of it (properties, items, …). Two things must not happen:
//   - a cycle of same-value edges (`{"$ref": "#"}`): validation would recurse forever;
//   - more subschemas applied along one path through a value than the budget allows (a chain
//     of `anyOf` with two references to the next level doubles per level: 2^21 for 1.9 KB).
// Recursion through members (a tree of `children`) is fine: values nest at most MAX_JSON_DEPTH
// levels, and the count follows them level by level. The count is an upper bound: at each
// level it keeps, per subschema, the most that any single member name (or item) can reach.
import { isPlainObject } from './json-text.js';
import { MAX_JSON_DEPTH, hasOwn } from './safe-json.js';

type Schema = Record<string, unknown>;

export interface ExpansionLimits {
  /** Most subschema applications summed along one path through a value. */
  budget: number;
  /** Value nesting the count follows (values cannot nest deeper). */
  levels: number;
}

export const DEFAULT_EXPANSION: ExpansionLimits = { budget: 100_000, levels: MAX_JSON_DEPTH };

/** Analysis steps before giving up on a schema as too complex to analyse (never reached by real ones). */
const WORK_LIMIT = 5_000_000;

/** Keywords never holding subschemas to follow (values, not schemas). */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

interface Node {
  pointer: string;
  inPlace: number[];
  /** Member edges: a property name, '*' (any key) or '[]' (any item) → nodes. */
  members: Map<string, number[]>;
}

const ANY_KEY = '*';
const ANY_ITEM = '[]';

/** The reason `root` recurses without consuming input or expands past the budget, or null. */
export function schemaExpansionProblem(root: Schema, limits: ExpansionLimits = DEFAULT_EXPANSION): string | null {
  const graph = buildGraph(root);
  if (typeof graph === 'string') return graph;
  const order = topologicalOrder(graph);
  if (typeof order === 'string') return order;
  return countExpansion(graph, order, limits);
}

const escapeToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const isResource = (s: Schema, root: Schema) => s !== root && typeof s.$id === 'string' && !s.$id.startsWith('#');

/** Anchors (`$anchor`, draft-07 `$id: "#name"`) by the resource they belong to. */
function collectAnchors(root: Schema): Map<Schema, Map<string, Schema>> {
  const out = new Map<Schema, Map<string, Schema>>();
  const stack: [unknown, Schema][] = [[root, root]];
  while (stack.length > 0) {
    const [v, resource] = stack.pop()!;
    if (Array.isArray(v)) {
      for (const x of v) stack.push([x, resource]);
      continue;
    }
    if (!isPlainObject(v)) continue;
    const res = isResource(v, root) ? v : resource;
    const name =
      typeof v.$anchor === 'string'
        ? v.$anchor
        : typeof v.$id === 'string' && v.$id.startsWith('#')
          ? v.$id.slice(1)
          : null;
    if (name) {
      const names = out.get(res) ?? new Map<string, Schema>();
      names.set(name, v);
      out.set(res, names);
    }
    for (const [k, x] of Object.entries(v)) if (!DATA_KEYWORDS.has(k)) stack.push([x, res]);
  }
  return out;
}

/** Resolves a local `#…` reference against `resource`: the target and the resource it lives in. */
function resolveRef(
  ref: string,
  resource: Schema,
  root: Schema,
  anchors: Map<Schema, Map<string, Schema>>,
): { target: unknown; resource: Schema } | null {
  if (!ref.startsWith('#')) return null;
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return null;
  }
  if (fragment === '') return { target: resource, resource };
  if (!fragment.startsWith('/')) {
    const target = anchors.get(resource)?.get(fragment);
    return target ? { target, resource } : null;
  }
  let cur: unknown = resource;
  let res = resource;
  for (const raw of fragment.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < cur.length) cur = cur[Number(token)];
    else if (isPlainObject(cur) && hasOwn(cur, token)) cur = cur[token];
    else return null;
    if (isPlainObject(cur) && isResource(cur, root)) res = cur;
  }
  return { target: cur, resource: res };
}

function buildGraph(root: Schema): Node[] | string {
  const anchors = collectAnchors(root);
  const nodes: Node[] = [];
  const ids = new Map<Schema, number>();
  const work: { id: number; schema: Schema; resource: Schema }[] = [];
  const register = (schema: unknown, pointer: string, resource: Schema): number | null => {
    if (!isPlainObject(schema)) return null; // boolean schemas are leaves
    const known = ids.get(schema);
    if (known !== undefined) return known;
    const id = nodes.length;
    nodes.push({ pointer, inPlace: [], members: new Map() });
    ids.set(schema, id);
    work.push({ id, schema, resource: isResource(schema, root) ? schema : resource });
    return id;
  };
  register(root, '#', root);
  while (work.length > 0) {
    const { id, schema, resource } = work.pop()!;
    const node = nodes[id]!;
    const at = (k: string) => `${node.pointer}/${escapeToken(k)}`;
    const inPlace = (child: unknown, pointer: string) => {
      const c = register(child, pointer, resource);
      if (c !== null) node.inPlace.push(c);
    };
    const member = (label: string, child: unknown, pointer: string) => {
      const c = register(child, pointer, resource);
      if (c === null) return;
      const list = node.members.get(label) ?? [];
      list.push(c);
      node.members.set(label, list);
    };
    for (const k of ['not', 'if', 'then', 'else']) if (hasOwn(schema, k)) inPlace(schema[k], at(k));
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      const list = schema[k];
      if (Array.isArray(list)) list.forEach((x, i) => inPlace(x, `${at(k)}/${i}`));
    }
    for (const k of ['dependencies', 'dependentSchemas']) {
      const map = schema[k];
      if (isPlainObject(map))
        for (const [name, x] of Object.entries(map)) if (!Array.isArray(x)) inPlace(x, `${at(k)}/${escapeToken(name)}`);
    }
    if (isPlainObject(schema.properties))
      for (const [name, x] of Object.entries(schema.properties))
        member(name, x, `${at('properties')}/${escapeToken(name)}`);
    if (isPlainObject(schema.patternProperties))
      for (const [p, x] of Object.entries(schema.patternProperties))
        member(ANY_KEY, x, `${at('patternProperties')}/${escapeToken(p)}`);
    for (const k of ['additionalProperties', 'unevaluatedProperties', 'propertyNames'])
      if (hasOwn(schema, k)) member(ANY_KEY, schema[k], at(k));
    for (const k of ['items', 'prefixItems']) {
      const v = schema[k];
      if (Array.isArray(v)) v.forEach((x, i) => member(ANY_ITEM, x, `${at(k)}/${i}`));
      else if (hasOwn(schema, k)) member(ANY_ITEM, v, at(k));
    }
    for (const k of ['additionalItems', 'unevaluatedItems', 'contains'])
      if (hasOwn(schema, k)) member(ANY_ITEM, schema[k], at(k));
    if (typeof schema.$ref === 'string') {
      const r = resolveRef(schema.$ref, resource, root, anchors);
      if (!r) return `cannot resolve $ref ${JSON.stringify(schema.$ref)} at ${node.pointer}`;
      const c = register(r.target, schema.$ref, r.resource);
      if (c !== null) node.inPlace.push(c);
    }
  }
  return nodes;
}

/** Nodes ordered so that every same-value edge goes forward, or the cycle that prevents it. */
function topologicalOrder(nodes: Node[]): number[] | string {
  const indegree = new Array<number>(nodes.length).fill(0);
  for (const n of nodes) for (const c of n.inPlace) indegree[c]!++;
  const order: number[] = [];
  const ready = nodes.map((_, i) => i).filter((i) => indegree[i] === 0);
  while (ready.length > 0) {
    const i = ready.pop()!;
    order.push(i);
    for (const c of nodes[i]!.inPlace) if (--indegree[c]! === 0) ready.push(c);
  }
  if (order.length === nodes.length) return order;
  // Every node left over has a predecessor left over: walk predecessors until one repeats.
  const preds = new Map<number, number>();
  nodes.forEach((n, i) => {
    if (indegree[i]! > 0) for (const c of n.inPlace) if (indegree[c]! > 0) preds.set(c, i);
  });
  let cur = indegree.findIndex((d) => d > 0);
  const seen = new Map<number, number>();
  const path: number[] = [];
  while (!seen.has(cur)) {
    seen.set(cur, path.length);
    path.push(cur);
    cur = preds.get(cur)!;
  }
  const cycle = path.slice(seen.get(cur)).reverse();
  const names = [...cycle, cycle[0]!].map((i) => nodes[i]!.pointer);
  return `recursive schema: ${names.join(' → ')} applies to the same value forever (recursion must go through properties or items)`;
}

function countExpansion(nodes: Node[], order: number[], limits: ExpansionLimits): string | null {
  const rank = new Array<number>(nodes.length);
  order.forEach((node, i) => (rank[node] = i));
  const cap = limits.budget + 1;
  let work = 0;
  const tooComplex = () => `schema is too complex to analyse (more than ${WORK_LIMIT} steps)`;
  // Applications of each node reachable through same-value edges from `seed`.
  const closure = (seed: Map<number, number>): Map<number, number> | null => {
    const reach = new Set<number>(seed.keys());
    const stack = [...seed.keys()];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (++work > WORK_LIMIT) return null;
      for (const c of nodes[i]!.inPlace) {
        if (reach.has(c)) continue;
        reach.add(c);
        stack.push(c);
      }
    }
    const counts = new Map(seed);
    for (const i of [...reach].sort((a, b) => rank[a]! - rank[b]!)) {
      const n = counts.get(i) ?? 0;
      for (const c of nodes[i]!.inPlace) counts.set(c, Math.min(cap, (counts.get(c) ?? 0) + n));
    }
    work += reach.size;
    return counts;
  };
  let level: Map<number, number> | null = closure(new Map([[0, 1]]));
  let total = 0;
  for (let depth = 0; level !== null && level.size > 0; depth++) {
    for (const n of level.values()) total += n;
    if (total > limits.budget) {
      return `schema expands to more than ${limits.budget} subschemas applied along one value (nested $ref/anyOf/allOf/oneOf repeat the same subschemas); simplify or flatten it`;
    }
    if (depth + 1 >= limits.levels) break;
    // One member name (or item) at a time; the next level keeps the most each node can get.
    // Applications are linear in the seed, so what any key reaches (patternProperties,
    // additionalProperties) is counted once and added to the largest single-name result.
    const byLabel = new Map<string, Map<number, number>>();
    for (const [i, n] of level) {
      for (const [label, targets] of nodes[i]!.members) {
        const seed = byLabel.get(label) ?? new Map<number, number>();
        for (const c of targets) seed.set(c, Math.min(cap, (seed.get(c) ?? 0) + n));
        byLabel.set(label, seed);
      }
    }
    const reach = (label: string): Map<number, number> | null | undefined => {
      const seed = byLabel.get(label);
      return seed ? closure(seed) : undefined;
    };
    const anyKey = reach(ANY_KEY);
    if (anyKey === null) return tooComplex();
    const named = new Map<number, number>();
    for (const label of byLabel.keys()) {
      if (label === ANY_KEY || label === ANY_ITEM) continue;
      const reached = reach(label);
      if (reached === null) return tooComplex();
      for (const [i, n] of reached!) if (n > (named.get(i) ?? 0)) named.set(i, n);
    }
    const next = new Map(named);
    for (const [i, n] of anyKey ?? []) next.set(i, Math.min(cap, (next.get(i) ?? 0) + n));
    const items = reach(ANY_ITEM);
    if (items === null) return tooComplex();
    for (const [i, n] of items ?? []) if (n > (next.get(i) ?? 0)) next.set(i, n);
    level = next;
  }
  return level === null ? tooComplex() : null;
}
