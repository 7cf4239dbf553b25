#!/usr/bin/env node
// `toolgate <command> [flags]` — one binary for every part of the project. Each command lives in
// its own module and exports `main(argv): Promise<number>` (the exit code).

type CommandModule = { main(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { describe: string; load: () => Promise<CommandModule> }> = {
  serve: {
    describe: 'run the gateway',
    // V8's settings before serve.js's module graph is even linked (v8-tuning.ts).
    load: () => import('./v8-tuning.js').then(() => import('./serve.js')),
  },
  sim: { describe: 'run the vLLM-compatible engine simulator', load: () => import('./sim.js') },
  loadtest: {
    describe: 'run the concurrency × context-length load matrix',
    load: () => import('../../../loadtest/src/runner/cli.js'),
  },
  eval: {
    describe: 'offline function-calling eval (and `eval compare`)',
    load: () => import('../../../eval/src/cli.js'),
  },
  score: { describe: 'score tool-call outputs (JSONL in → JSONL out)', load: () => import('./score.js') },
  export: { describe: 'export captured calls as training datasets', load: () => import('./export.js') },
  report: { describe: 'reports over captured data (`report ab`)', load: () => import('./report.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.describe}`);
  return `usage: toolgate <command> [flags]\n\ncommands:\n${lines.join('\n')}\n\nRun \`toolgate <command> --help\` for a command's flags.`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`toolgate: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  let mod: CommandModule;
  try {
    mod = await cmd.load();
  } catch (err) {
    // The gateway image (Dockerfile) ships only what `serve` runs; say so rather than show a stack.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    process.stderr.write(
      `toolgate ${name}: this installation does not include it (${(err as Error).message}).\nThe gateway image ships serve, sim, score, export and report; the npm package has every command.\n`,
    );
    return 1;
  }
  return mod.main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`toolgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
