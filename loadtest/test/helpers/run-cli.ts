// Runs `toolgate loadtest` from source as a child process and collects its exit code and output.
import { spawnToolgate } from '../../../gateway/test/helpers/net.js';

export async function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawnToolgate(['loadtest', '--quiet', ...args]);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, output: child.output() };
}
