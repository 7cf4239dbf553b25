// The package boundaries a tool enforces: eslint.config.js's boundary rules (the same config
// `npm run lint` runs) report every wrong-way import, let the allowed ones through, and pass on
// the tree as it is. Only the boundary rules run here (no type information), so this is quick.
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BOUNDARY_RULES = new Set(['boundaries/dependencies', '@typescript-eslint/no-restricted-imports']);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => BOUNDARY_RULES.has(ruleId),
  });
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('package boundaries', () => {
  it.each([
    [
      'the engine imports the HTTP layer',
      'gateway/src/toolcalls/probe.ts',
      '../api/errors.js',
      /engine may not import gateway's api\/errors\.ts/,
    ],
    [
      'the gateway imports the CLI',
      'gateway/src/capture/probe.ts',
      '../cli/flags.js',
      /gateway may not import cli's flags\.ts/,
    ],
    [
      'the gateway imports the simulator',
      'gateway/src/routing/probe.ts',
      '../../../loadtest/src/sim/index.js',
      /gateway may not import sim's index\.ts/,
    ],
    [
      'the simulator imports the gateway',
      'loadtest/src/sim/probe.ts',
      '../../../gateway/src/telemetry/log.js',
      /sim may not import gateway's telemetry\/log\.ts/,
    ],
    [
      'the load test reaches inside the simulator',
      'loadtest/src/runner/probe.ts',
      '../sim/tokenizer.js',
      /loadtest may not import sim's tokenizer\.ts/,
    ],
    [
      'eval imports the gateway',
      'eval/src/probe.ts',
      '../../gateway/src/api/errors.js',
      /eval may not import gateway's api\/errors\.ts/,
    ],
    [
      'the gateway reaches past the engine entry',
      'gateway/src/api/probe.ts',
      '../toolcalls/safe-json.js',
      /gateway may not import engine's safe-json\.ts/,
    ],
    [
      'the CLI reaches inside eval',
      'gateway/src/cli/probe.ts',
      '../../../eval/src/dataset.js',
      /cli may not import eval's dataset\.ts/,
    ],
    [
      'upstream/ imports the HTTP layer',
      'gateway/src/upstream/probe.ts',
      '../api/answer-transform.js',
      /upstream\/ talks to the engines/,
    ],
  ])('fails lint when %s', async (_what, file, from, message) => {
    const found = await problems(file, `import * as m from '${from}';\nexport const probe = m;\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('fails lint on a wrong-way dynamic import too', async () => {
    expect(
      await problems(
        'gateway/src/server-probe.ts',
        "export const load = () => import('../../loadtest/src/runner/cli.js');\n",
      ),
    ).toEqual([expect.stringMatching(/gateway may not import loadtest's runner\/cli\.ts/)]);
  });

  it.each([
    ['gateway/src/api/probe.ts', ['../toolcalls/index.js', './errors.js', '../routing/policy.js', 'undici', 'node:fs']],
    ['gateway/src/toolcalls/probe.ts', ['./safe-json.js', 'ajv']],
    [
      'gateway/src/cli/probe.ts',
      [
        '../server.js',
        '../toolcalls/index.js',
        '../../../loadtest/src/sim/index.js',
        '../../../loadtest/src/runner/cli.js',
        '../../../eval/src/cli.js',
      ],
    ],
    ['loadtest/src/runner/probe.ts', ['../sim/index.js', '../report/write-report.js']],
    ['eval/src/probe.ts', ['../../gateway/src/toolcalls/index.js', './dataset.js']],
  ])('allows the one-way imports of %s', async (file, sources) => {
    const code = sources.map((s, i) => `import * as m${i} from '${s}';\nexport const p${i} = m${i};\n`).join('');
    expect(await problems(file, code)).toEqual([]);
  });

  it('holds on the tree as it is', async () => {
    const results = await eslint.lintFiles(['gateway/src', 'loadtest/src', 'eval/src']);
    expect(results.length).toBeGreaterThan(200);
    const found = results.flatMap((r) =>
      r.messages.map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.ruleId ?? 'fatal'}: ${m.message}`),
    );
    expect(found).toEqual([]);
  });
});
