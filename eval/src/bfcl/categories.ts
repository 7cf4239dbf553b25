// BFCL v4's categories as `toolgate eval` knows them: which it runs, which it cannot run and why,
// and the collection names users may give instead (as bfcl_eval/constants/category_mapping.py
// TEST_COLLECTION_MAPPING, limited to what runs here).

/** Single-turn categories scored by the TypeScript AST checker or the (ir)relevance rule. */
export const SINGLE_TURN_CATEGORIES = [
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

/** Conversations executed against BFCL's stateful backends, scored by its state and response checkers. */
export const MULTI_TURN_CATEGORIES = [
  'multi_turn_base',
  'multi_turn_miss_func',
  'multi_turn_miss_param',
  'multi_turn_long_context',
] as const;

/** Agentic memory categories whose backends run offline; scored by BFCL's agentic answer checker. */
export const MEMORY_CATEGORIES = ['memory_kv', 'memory_rec_sum'] as const;

/** BFCL v4 categories `toolgate eval` does not run, with the reason shown to users and in reports. */
export const NOT_RUN_REASONS: Record<string, string> = {
  simple_java:
    'Java AST checking (BFCL java_type_converter) is not ported; the TypeScript checker covers the Python categories',
  simple_javascript:
    'JavaScript AST checking (BFCL js_type_converter) is not ported; the TypeScript checker covers the Python categories',
  memory_vector:
    'its backend embeds memories with sentence-transformers all-MiniLM-L6-v2 (weights downloaded from the Hugging Face Hub) plus torch and faiss; not installed, and the hub is not reachable offline',
  web_search_base: 'needs the internet: its backend searches through SerpAPI and fetches live web pages',
  web_search_no_snippet: 'needs the internet: its backend searches through SerpAPI and fetches live web pages',
  format_sensitivity:
    'BFCL runs it for prompting (non-FC) models only and skips it for function-calling models; toolgate eval sends tools through the function-calling API',
};

export const RUNNABLE_CATEGORIES: readonly string[] = [
  ...SINGLE_TURN_CATEGORIES,
  ...MULTI_TURN_CATEGORIES,
  ...MEMORY_CATEGORIES,
];

const COLLECTIONS: Record<string, readonly string[]> = {
  simple: ['simple_python'],
  non_live: ['simple_python', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'],
  live: [
    'live_simple',
    'live_multiple',
    'live_parallel',
    'live_parallel_multiple',
    'live_irrelevance',
    'live_relevance',
  ],
  single_turn: SINGLE_TURN_CATEGORIES,
  python: SINGLE_TURN_CATEGORIES,
  multi_turn: MULTI_TURN_CATEGORIES,
  memory: MEMORY_CATEGORIES,
  agentic: MEMORY_CATEGORIES,
  all: RUNNABLE_CATEGORIES,
  all_scoring: RUNNABLE_CATEGORIES,
};

export type CategoryKind = 'single_turn' | 'multi_turn' | 'memory';

export function categoryKind(category: string): CategoryKind {
  if ((MULTI_TURN_CATEGORIES as readonly string[]).includes(category)) return 'multi_turn';
  if ((MEMORY_CATEGORIES as readonly string[]).includes(category)) return 'memory';
  return 'single_turn';
}

export class CategoryError extends Error {
  override name = 'CategoryError';
}

/** `simple_python,multi_turn,...` → distinct runnable categories, in the order given. */
export function expandCategories(names: string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const expanded = COLLECTIONS[name] ?? [name];
    for (const c of expanded) {
      if (NOT_RUN_REASONS[c]) throw new CategoryError(`BFCL category '${c}' cannot run here: ${NOT_RUN_REASONS[c]}`);
      if (!RUNNABLE_CATEGORIES.includes(c)) {
        throw new CategoryError(
          `unknown BFCL category '${name}' (known: ${RUNNABLE_CATEGORIES.join(', ')}; collections: ${Object.keys(COLLECTIONS).join(', ')})`,
        );
      }
      if (!out.includes(c)) out.push(c);
    }
  }
  return out;
}
