// Eval datasets: BFCL categories from the installed package (`bfcl:<category>`) or the project's
// own JSONL (`{id?, category?, messages, tools, expected_calls}` per line). Both become EvalItems:
// an OpenAI request body fragment plus what a correct answer looks like — or, for BFCL's
// multi-turn and memory categories, a scripted conversation (see run/conversation.ts).
import { readFileSync } from 'node:fs';
import { bfclDataDir, bfclToOpenAiTools, loadBfclCategory, type OpenAiTool } from './bfcl/bfcl-data.js';
import type { BfclFunctionDoc } from './bfcl/ast-checker.js';
import { categoryKind, CategoryError, expandCategories } from './bfcl/categories.js';
import { fromJs, type PyValue } from './bfcl/py-value.js';
import { loadStatefulCategories, type StatefulEntry } from './bfcl/stateful-data.js';

export interface ExpectedCall {
  name: string;
  /** Parameter → accepted values. `optional` ones may be left out (BFCL's "" marker). */
  arguments: Record<string, { answers: PyValue[]; optional: boolean }>;
}

export interface EvalItem {
  id: string;
  category: string;
  messages: { role: string; content: unknown; [k: string]: unknown }[];
  tools: OpenAiTool[];
  /** Empty: no tool applies (the model should answer in text). */
  expected: ExpectedCall[];
  bfcl?: { category: string; functions: BfclFunctionDoc[]; groundTruth?: PyValue[]; nameMap: Record<string, string> };
  /** BFCL multi-turn / memory: the conversation to drive instead of one request. */
  conversation?: StatefulEntry;
}

/** Not scored itself: a memory prerequisite conversation other items depend on. */
export const isPrerequisite = (item: EvalItem): boolean => item.conversation?.prereq === true;

export interface DatasetError {
  line: number;
  message: string;
}

export interface Dataset {
  name: string;
  items: EvalItem[];
  errors: DatasetError[];
}

export class DatasetLoadError extends Error {
  override name = 'DatasetLoadError';
}

export function loadDataset(spec: string, opts: { python?: string } = {}): Dataset {
  if (spec.startsWith('bfcl:')) {
    const names = spec.slice(5).split(',').filter(Boolean);
    if (names.length === 0)
      throw new DatasetLoadError(`dataset '${spec}': name a BFCL category, e.g. bfcl:simple_python`);
    try {
      const categories = expandCategories(names);
      const stateful = new Map<string, EvalItem[]>();
      for (const e of loadStatefulCategories(
        categories.filter((c) => categoryKind(c) !== 'single_turn'),
        opts.python,
      )) {
        stateful.set(e.category, [...(stateful.get(e.category) ?? []), conversationItem(e)]);
      }
      const single = categories.some((c) => categoryKind(c) === 'single_turn') ? bfclDataDir(opts.python) : '';
      const items = categories.flatMap((c) =>
        categoryKind(c) === 'single_turn' ? loadBfclCategory(c, single).map(bfclItem) : (stateful.get(c) ?? []),
      );
      return { name: spec, items, errors: [] };
    } catch (err) {
      const prefix = err instanceof CategoryError ? '' : `dataset '${spec}': `;
      throw new DatasetLoadError(`${prefix}${(err as Error).message}`);
    }
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetLoadError(
      code === 'ENOENT'
        ? `unknown dataset '${spec}': not a file, and not bfcl:<category>`
        : `cannot read dataset '${spec}': ${(err as Error).message}`,
    );
  }
  return parseJsonlDataset(spec, text);
}

function bfclItem(e: ReturnType<typeof loadBfclCategory>[number]): EvalItem {
  const { tools, nameMap } = bfclToOpenAiTools(e.functions);
  const expected: ExpectedCall[] = (e.groundTruth ?? []).map((gt) => {
    const [name, params] = gt.t === 'dict' ? [...gt.v][0]! : ['', { t: 'none' } as PyValue];
    const args: ExpectedCall['arguments'] = {};
    if (params.t === 'dict') {
      for (const [k, a] of params.v) {
        const list = a.t === 'list' ? a.v : [a];
        const optional = list.some((x) => x.t === 'str' && x.v === '');
        args[k] = { answers: list.filter((x) => !(x.t === 'str' && x.v === '')), optional };
      }
    }
    return { name: name.replaceAll('.', '_'), arguments: args };
  });
  return {
    id: e.id,
    category: e.category,
    messages: e.messages,
    tools,
    expected,
    bfcl: {
      category: e.category,
      functions: e.functions,
      ...(e.groundTruth ? { groundTruth: e.groundTruth } : {}),
      nameMap,
    },
  };
}

function conversationItem(e: StatefulEntry): EvalItem {
  return { id: e.id, category: e.category, messages: e.question[0] ?? [], tools: [], expected: [], conversation: e };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One item per valid line; malformed lines are reported with their line number, not fatal. */
export function parseJsonlDataset(name: string, text: string): Dataset {
  const items: EvalItem[] = [];
  const errors: DatasetError[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      errors.push({ line, message: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    const problem = validateRow(row);
    if (problem) {
      errors.push({ line, message: problem });
      return;
    }
    const r = row as {
      id?: unknown;
      category?: unknown;
      messages: EvalItem['messages'];
      tools?: OpenAiTool[];
      expected_calls: { name: string; arguments?: Record<string, unknown> }[];
    };
    const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : `line-${line}`;
    if (seen.has(id)) {
      errors.push({ line, message: `duplicate id '${id}'` });
      return;
    }
    seen.add(id);
    items.push({
      id,
      category: typeof r.category === 'string' ? r.category : r.expected_calls.length === 0 ? 'no_call' : 'default',
      messages: r.messages,
      tools: r.tools ?? [],
      expected: r.expected_calls.map((c) => ({
        name: c.name,
        arguments: Object.fromEntries(
          Object.entries(c.arguments ?? {}).map(([k, v]) => [k, { answers: [fromJs(v)], optional: false }]),
        ),
      })),
    });
  });
  return { name, items, errors };
}

function validateRow(row: unknown): string | null {
  if (!isObj(row)) return 'each line must be a JSON object {messages, tools, expected_calls}';
  if (!Array.isArray(row['messages']) || row['messages'].length === 0) return "'messages' must be a non-empty array";
  if (!row['messages'].every((m) => isObj(m) && typeof m['role'] === 'string'))
    return "every message needs a string 'role'";
  if (row['tools'] !== undefined) {
    if (!Array.isArray(row['tools'])) return "'tools' must be an array";
    for (const [i, t] of row['tools'].entries()) {
      if (!isObj(t) || t['type'] !== 'function' || !isObj(t['function']) || typeof t['function']['name'] !== 'string') {
        return `tools[${i}] must be {"type":"function","function":{"name":...}}`;
      }
    }
  }
  if (!Array.isArray(row['expected_calls'])) return "'expected_calls' must be an array (empty when no tool applies)";
  for (const [i, c] of row['expected_calls'].entries()) {
    if (!isObj(c) || typeof c['name'] !== 'string') return `expected_calls[${i}] needs a string 'name'`;
    if (c['arguments'] !== undefined && !isObj(c['arguments']))
      return `expected_calls[${i}].arguments must be an object`;
  }
  return null;
}
