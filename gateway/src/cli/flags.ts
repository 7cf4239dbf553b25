// Flag parsing shared by the `toolgate <command>` modules: node:util parseArgs, strict, with the
// same behaviour everywhere — a bad flag prints the error and the command's help on stderr (exit
// 2), `--help` prints the help on stdout (exit 0). Options must include `help: {type: 'boolean'}`.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type ParsedFlags<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** The parsed flags, or the exit code the command should return at once. */
export function parseFlags<const T extends ParseArgsConfig>(
  command: string,
  help: string,
  config: T,
): ParsedFlags<T> | number {
  const text = help.endsWith('\n') ? help : `${help}\n`;
  let parsed: ParsedFlags<T>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    process.stderr.write(`toolgate ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${text}`);
    return 2;
  }
  if ((parsed.values as Record<string, unknown>).help === true) {
    process.stdout.write(text);
    return 0;
  }
  return parsed;
}
