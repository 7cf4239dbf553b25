// Reads BFCL categories straight from the installed `bfcl-eval` package (never copied into the
// repository) and turns each entry into an OpenAI request the way BFCL's own OpenAI FC handler
// does (bfcl_eval/model_handler/utils.py convert_to_tool + _cast_to_openai_type with
// GORILLA_TO_OPENAPI, and utils.add_language_specific_hint_to_function_doc).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BfclFunctionDoc, BfclParamDoc } from './ast-checker.js';
import { parsePyJson, type PyValue } from './py-value.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Categories with single-turn AST or relevance scoring (Python); the ones `toolgate eval` runs. */
export const BFCL_CATEGORIES = [
  'simple_python',
  'multiple',
  'parallel',
  'parallel_multiple',
  'irrelevance',
  'live_simple',
  'live_multiple',
  'live_parallel',
  'live_parallel_multiple',
  'live_irrelevance',
  'live_relevance',
] as const;
const ALIASES: Record<string, string> = { simple: 'simple_python' };

export interface BfclEntry {
  id: string;
  category: string;
  messages: { role: string; content: string }[];
  functions: BfclFunctionDoc[];
  groundTruth?: PyValue[];
}

/** Where the package's data folder is: $TOOLGATE_BFCL_DATA, else asked of .venv's Python. */
export function bfclDataDir(): string {
  const fromEnv = process.env['TOOLGATE_BFCL_DATA'];
  if (fromEnv) return fromEnv;
  const py = join(REPO_ROOT, '.venv/bin/python');
  if (!existsSync(py)) throw new Error(`bfcl-eval is not installed: ${py} is missing (run \`make eval-deps\`)`);
  try {
    const pkg = execFileSync(py, ['-c', 'import bfcl_eval, os; print(os.path.dirname(bfcl_eval.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    return join(pkg, 'data');
  } catch {
    throw new Error('bfcl-eval is not installed in .venv (run `make eval-deps`)');
  }
}

function categoryFile(dir: string, category: string): string | null {
  const names = readdirSync(dir).filter((n) => new RegExp(`^BFCL_v\\d+_${category}\\.json$`).test(n));
  return names.sort().at(-1) ?? null; // newest version if several
}

export function loadBfclCategory(categoryName: string, dir = bfclDataDir()): BfclEntry[] {
  const category = ALIASES[categoryName] ?? categoryName;
  if (!(BFCL_CATEGORIES as readonly string[]).includes(category)) {
    throw new Error(`unknown BFCL category '${categoryName}' (known: ${BFCL_CATEGORIES.join(', ')})`);
  }
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
    const row = JSON.parse(line) as { id: string; question: { role: string; content: string }[][]; function: BfclFunctionDoc[] };
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
  integer: 'integer', number: 'number', float: 'number', string: 'string', boolean: 'boolean', bool: 'boolean',
  array: 'array', list: 'array', dict: 'object', object: 'object', tuple: 'array', any: 'string', byte: 'integer',
  short: 'integer', long: 'integer', double: 'number', char: 'string', ArrayList: 'array', Array: 'array',
  HashMap: 'object', Hashtable: 'object', Queue: 'array', Stack: 'array', Any: 'string', String: 'string', Bigint: 'integer',
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
        else if (items['type'] === 'object' && items['properties']) castToOpenAiType(items['properties'] as Record<string, Json>);
      }
    }
  }
  return properties;
}

export interface OpenAiTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** BFCL function docs → OpenAI tools, plus the map from the sent name back to BFCL's name. */
export function bfclToOpenAiTools(docs: BfclFunctionDoc[]): { tools: OpenAiTool[]; nameMap: Record<string, string> } {
  const nameMap: Record<string, string> = {};
  const tools = docs.map((doc) => {
    const item = structuredClone(doc) as unknown as Json & { parameters: Json };
    item['description'] = `${String(item['description'] ?? '')} Note that the provided function is in Python 3 syntax.`;
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
