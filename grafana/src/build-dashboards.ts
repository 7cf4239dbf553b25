// Writes grafana/dashboards/*.json from dashboards.ts (`npx tsx grafana/src/build-dashboards.ts`);
// with --check it only compares and exits 1 when a committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS } from './dashboards.js';

export const DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dashboards');

export function renderDashboard(json: unknown): string {
  return JSON.stringify(json, null, 2) + '\n';
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const [file, json] of Object.entries(DASHBOARDS)) {
    const target = path.join(DASHBOARD_DIR, file);
    const text = renderDashboard(json);
    if (check) {
      let current = '';
      try {
        current = readFileSync(target, 'utf8');
      } catch {
        /* missing counts as stale */
      }
      if (current !== text) {
        process.stderr.write(`stale: ${path.relative(process.cwd(), target)}\n`);
        stale++;
      }
    } else writeFileSync(target, text);
  }
  return stale ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  process.exitCode = main(process.argv.slice(2));
