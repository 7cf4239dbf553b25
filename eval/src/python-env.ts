// Where the eval's Python side lives: the project root (found the same way from the sources, from
// the build in dist/, and from an installed package), the interpreter that has `bfcl-eval`
// installed, and the scripts in eval/python/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above `from` whose package.json is this project's ("name": "toolgate"). */
export function findProjectRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'toolgate') return dir;
      } catch {
        // not ours (unreadable); keep walking up
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the toolgate project root above ${from}`);
  }
}

/** eval/src (sources, via tsx) and dist/eval/src (the build) both resolve to the repository root. */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

export class PythonEnvError extends Error {
  override name = 'PythonEnvError';
}

/**
 * The Python that runs BFCL's code: `--python`, else $TOOLGATE_PYTHON, else the project's .venv
 * (what `make eval-deps` installs into).
 */
export function pythonPath(explicit?: string): string {
  const chosen = explicit ?? process.env['TOOLGATE_PYTHON'];
  if (chosen) {
    if (!existsSync(chosen))
      throw new PythonEnvError(
        `Python interpreter ${chosen} does not exist (from ${explicit ? '--python' : '$TOOLGATE_PYTHON'})`,
      );
    return chosen;
  }
  const venv = join(PROJECT_ROOT, '.venv/bin/python');
  if (!existsSync(venv)) {
    throw new PythonEnvError(
      `bfcl-eval is not installed: ${venv} is missing. Run \`make eval-deps\` in ${PROJECT_ROOT}, ` +
        `or point --python / $TOOLGATE_PYTHON at a Python with eval/requirements.txt installed`,
    );
  }
  return venv;
}

/** An eval/python script, by file name. */
export const evalScript = (name: string): string => join(PROJECT_ROOT, 'eval/python', name);
