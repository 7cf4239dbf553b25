// ESLint: typescript-eslint's strict type-checked rules over every TypeScript file, and the
// package boundaries (eslint-plugin-boundaries): imports between the parts run one way only.
// Formatting is Prettier's business (eslint-config-prettier turns off the rules it owns).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

// The parts, most specific first (a file belongs to the first whose folder holds it). Each part's
// entry is the one file the others may import, as an npm package's `exports` would be.
const PARTS = [
  { type: 'engine', pattern: 'gateway/src/toolcalls', entry: 'index.ts' }, // the pure tool-call engine
  { type: 'cli', pattern: 'gateway/src/cli', entry: 'main.ts' }, // `toolgate <command>`: composes the others
  { type: 'gateway', pattern: 'gateway/src', entry: '**' }, // the HTTP gateway
  { type: 'sim', pattern: 'loadtest/src/sim', entry: 'index.ts' }, // the vLLM-compatible simulator
  { type: 'loadtest', pattern: 'loadtest/src', entry: 'runner/cli.ts' }, // the load test
  { type: 'eval', pattern: 'eval/src', entry: 'cli.ts' }, // the offline eval
];

// Who may import whom (besides itself): the graph is one-way.
const MAY_IMPORT = {
  engine: [],
  gateway: ['engine'],
  cli: ['gateway', 'engine', 'sim', 'loadtest', 'eval'],
  sim: [],
  loadtest: ['sim'],
  eval: ['engine'],
};

const entryOf = (type) => PARTS.find((p) => p.type === type).entry;

export const boundaryRules = {
  plugins: { boundaries },
  settings: {
    'boundaries/elements': PARTS.map(({ type, pattern }) => ({ type, pattern, partialMatch: false })),
    'import/resolver': { typescript: { project: './tsconfig.json' } },
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        message:
          "{{from.type}} may not import {{to.type}}'s {{to.fileInternalPath}}: the parts import one way, each through its entry (eslint.config.js PARTS, MAY_IMPORT)",
        policies: [
          { allow: { to: { module: { origin: ['external', 'core'] } } } },
          ...Object.entries(MAY_IMPORT).map(([from, targets]) => ({
            from: { element: { type: from } },
            allow: [
              { to: { element: { type: from } } },
              ...targets.map((to) => ({ to: { element: { type: to, fileInternalPath: entryOf(to) } } })),
            ],
          })),
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.venv/', '.venv-vllm/', '.tools/', '.bench-builds/', 'coverage/', 'data/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // With noUncheckedIndexedAccess, `!` marks an index read the code has already bounds-checked.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Typed-but-untrusted JSON (upstream answers, bodies) is checked on purpose, as are signals an await may flip.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Numbers and booleans read well in messages; nullish values and objects still may not be interpolated.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(d) => (out += d)` and `() => resolve()` callbacks return nothing anyone reads.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `_name` marks a parameter a signature needs but the body does not.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // In-memory implementations of async interfaces (stores, limiters, fakes) are async without awaiting.
      '@typescript-eslint/require-await': 'off',
      // Untrusted JSON values are echoed with String() on purpose (error messages, Python str() parity).
      '@typescript-eslint/no-base-to-string': 'off',
      // `OpenAIErrorType | string` names the known values for readers and editors; the union is intended.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Promise.all takes values and promises mixed: a choice that ended awaits its judge, the others do not.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // `[...s]` splits by code point on purpose: token and Python `len()` semantics, not graphemes.
      '@typescript-eslint/no-misused-spread': 'off',
    },
  },
  {
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: {
      // Tests read JSON answers as `any` on purpose: the assertions that follow are the type check.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // test fakes stand in for real classes by shape (a scripted body for undici's)
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // Tests drive deprecated-but-served client paths on purpose (`max_tokens`, MCP's legacy SSE transport).
      '@typescript-eslint/no-deprecated': 'off',
    },
  },
  { files: ['gateway/src/**/*.ts', 'loadtest/src/**/*.ts', 'eval/src/**/*.ts'], ...boundaryRules },
  {
    files: ['gateway/src/upstream/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/*'],
              message: 'upstream/ talks to the engines; the HTTP layer (api/) builds on it, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
