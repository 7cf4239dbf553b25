// Reads BFCL categories straight from the installed `bfcl-eval` package (never copied into the
// repository) and turns each entry into an OpenAI request the way BFCL's own OpenAI FC handler
// does (bfcl_eval/model_handler/utils.py convert_to_tool + _cast_to_openai_type with
// GORILLA_TO_OPENAPI, and utils.add_language_specific_hint_to_function_doc).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonPath } from '../python-env.js';
import type { BfclFunctionDoc, BfclParamDoc } from './ast-checker.js';
import { SINGLE_TURN_CATEGORIES } from './categories.js';
import { parsePyJson, type PyValue } from './py-value.js';

export interface BfclEntry {
  id: string;
  category: string;
  messages: { role: string; content: string }[];
  functions: BfclFunctionDoc[];
  groundTruth?: PyValue[];
}

const dataDirs = new Map<string, string>();

/** Where the package's data folder is: $TOOLGATE_BFCL_DATA, else asked of the eval's Python (once per interpreter). */
export function bfclDataDir(python?: string): string {
  const fromEnv = process.env['TOOLGATE_BFCL_DATA'];
  if (fromEnv) return fromEnv;
  const py = pythonPath(python);
  const known = dataDirs.get(py);
  if (known) return known;
  try {
    const pkg = execFileSync(py, ['-c', 'import bfcl_eval, os; print(os.path.dirname(bfcl_eval.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    dataDirs.set(py, join(pkg, 'data'));
    return join(pkg, 'data');
  } catch {
    throw new Error(
      `bfcl-eval is not installed for ${py} (run \`make eval-deps\`, or pip install -r eval/requirements.txt)`,
    );
  }
}

function categoryFile(dir: string, category: string): string | null {
  const names = readdirSync(dir).filter((n) => new RegExp(`^BFCL_v\\d+_${category}\\.json$`).test(n));
  return names.sort().at(-1) ?? null; // newest version if several
}

/** A single-turn category's entries, read straight from the package's data files. */
export function loadBfclCategory(category: string, dir = bfclDataDir()): BfclEntry[] {
  if (!(SINGLE_TURN_CATEGORIES as readonly string[]).includes(category))
    throw new Error(`'${category}' is not a single-turn BFCL category`);
  const file = categoryFile(dir, category);
  if (!file) throw new Error(`BFCL category '${category}' not found in ${dir}`);
  const answers = new Map<string, PyValue[]>();
  const answerPath = join(dir, 'possible_answer', file);
  if (existsSync(answerPath)) {
    for (const line of readFileSync(answerPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = parsePyJson(line);
      if (row.t !== 'dict') continue;
      const id = row.v.get('id');
      const gt = row.v.get('ground_truth');
      if (id?.t === 'str' && gt?.t === 'list') answers.set(id.v, gt.v);
    }
  }
  const entries: BfclEntry[] = [];
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as {
      id: string;
      question: { role: string; content: string }[][];
      function: BfclFunctionDoc[];
    };
    entries.push({
      id: row.id,
      category,
      messages: row.question.flat(),
      functions: row.function,
      ...(answers.has(row.id) ? { groundTruth: answers.get(row.id)! } : {}),
    });
  }
  if (!category.includes('relevance') && entries.some((e) => !e.groundTruth)) {
    throw new Error(`BFCL category '${category}': possible answers missing in ${answerPath}`);
  }
  return entries;
}

const GORILLA_TO_OPENAPI: Record<string, string> = {
  integer: 'integer',
  number: 'number',
  float: 'number',
  string: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  array: 'array',
  list: 'array',
  dict: 'object',
  object: 'object',
  tuple: 'array',
  any: 'string',
  byte: 'integer',
  short: 'integer',
  long: 'integer',
  double: 'number',
  char: 'string',
  ArrayList: 'array',
  Array: 'array',
  HashMap: 'object',
  Hashtable: 'object',
  Queue: 'array',
  Stack: 'array',
  Any: 'string',
  String: 'string',
  Bigint: 'integer',
};
const mapType = (t: string): string => (Object.hasOwn(GORILLA_TO_OPENAPI, t) ? GORILLA_TO_OPENAPI[t]! : t);

type Json = Record<string, unknown>;

function castToOpenAiType(properties: Record<string, Json>): Record<string, Json> {
  for (const value of Object.values(properties)) {
    if (!('type' in value)) value['type'] = 'string';
    else {
      const t = String(value['type']);
      if (t === 'float') {
        value['format'] = 'float';
        value['description'] = `${String(value['description'] ?? '')} This is a float type value.`;
      }
      value['type'] = Object.hasOwn(GORILLA_TO_OPENAPI, t) ? GORILLA_TO_OPENAPI[t] : 'string';
    }
    if (value['type'] === 'array' || value['type'] === 'object') {
      const items = value['items'] as Json | undefined;
      if (value['properties']) castToOpenAiType(value['properties'] as Record<string, Json>);
      else if (items) {
        items['type'] = mapType(String(items['type']));
        const inner = items['items'] as Json | undefined;
        if (items['type'] === 'array' && inner) inner['type'] = mapType(String(inner['type']));
        else if (items['type'] === 'object' && items['properties'])
          castToOpenAiType(items['properties'] as Record<string, Json>);
      }
    }
  }
  return properties;
}

export interface OpenAiTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export const PYTHON_HINT = ' Note that the provided function is in Python 3 syntax.';

/**
 * BFCL function docs → OpenAI tools, plus the map from the sent name back to BFCL's name.
 * `hint`: append BFCL's Python language hint (utils.add_language_specific_hint_to_function_doc);
 * off for docs that BFCL's loader already gave the hint (multi-turn and memory entries).
 */
export function bfclToOpenAiTools(
  docs: BfclFunctionDoc[],
  opts: { hint?: boolean } = {},
): { tools: OpenAiTool[]; nameMap: Record<string, string> } {
  const nameMap: Record<string, string> = {};
  const tools = docs.map((doc) => {
    const item = structuredClone(doc) as unknown as Json & { parameters: Json };
    if (opts.hint ?? true) item['description'] = `${String(item['description'] ?? '')}${PYTHON_HINT}`;
    // OpenAI names must match ^[a-zA-Z0-9_-]{1,64}$, so BFCL rewrites "." to "_".
    const name = doc.name.replaceAll('.', '_');
    nameMap[name] = doc.name;
    item['name'] = name;
    item.parameters['type'] = 'object';
    item.parameters['properties'] = castToOpenAiType((item.parameters['properties'] ?? {}) as Record<string, Json>);
    return { type: 'function', function: item } as OpenAiTool;
  });
  return { tools, nameMap };
}

export type { BfclParamDoc };

/** Entries per BFCL v4 scoring category in the installed data (memory/web search share one file per family). */
export function bfclCategorySizes(categories: string[], dir = bfclDataDir()): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of categories) {
    const family = c.startsWith('memory_') ? 'memory' : c.startsWith('web_search') ? 'web_search' : c;
    const file = categoryFile(dir, family);
    out[c] = file
      ? readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter((l) => l.trim()).length
      : 0;
  }
  return out;
}
