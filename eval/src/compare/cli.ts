// `toolgate eval compare RUN_DIR... --out DIR [--name LABEL]...`
import { parseArgs } from 'node:util';
import { CompareError, loadRun, writeComparison } from './compare-report.js';

const HELP = `usage: toolgate eval compare RUN_DIR... --out DIR [--name LABEL]...

Compares finished \`toolgate eval\` runs (e.g. base vs SFT vs SFT+GRPO, or raw vLLM vs through
Toolgate). Writes DIR/compare.md, DIR/compare.html, DIR/compare.json and SVG bar charts. The first
run is the baseline for the deltas. --name, repeated, labels the runs in order (default: folder name).`;

export async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        name: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    if (!values.out) throw new CompareError('--out is required');
    if (positionals.length === 0) throw new CompareError('name at least one run folder');
    const names = values.name ?? [];
    if (names.length > positionals.length)
      throw new CompareError(`${names.length} --name labels for ${positionals.length} runs`);
    const runs = positionals.map((dir, i) => loadRun(dir, names[i]));
    const { files } = writeComparison(runs, values.out);
    process.stdout.write(`wrote ${files.join(', ')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CompareError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`toolgate eval compare: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
