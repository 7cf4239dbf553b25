// Assembles README.md from the hand-written sections in docs/readme/ and the references generated
// from code (configuration keys from the config schema, metrics from the metrics catalogue).
// `npm run docs` writes it; a test fails when the committed README differs from what this builds.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configReference } from '../gateway/src/config/reference.js';
import { metricsReference } from '../gateway/src/telemetry/reference.js';
import { peersTable } from '../bench/lib/peers-table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Section files in README order; `{{config-reference}}`, `{{metrics-reference}}`, `{{peers-table}}` and `{{edge-report}}` are filled in. */
export const SECTIONS = [
  'intro.md',
  'gateway.md',
  'responses.md',
  'toolcalls.md',
  'routing.md',
  'capture.md',
  'simulator.md',
  'loadtest.md',
  'eval.md',
  'training.md',
  'edge.md',
  'deployment.md',
  'development.md',
];

/** The committed edge report (`make edge-report` writes it) without its own heading. */
function edgeReport(): string {
  const md = readFileSync(path.join(ROOT, 'bench/results/edge-report.md'), 'utf8');
  return md.replace(/^# .*\n+/, '').trim();
}

export function buildReadme(): string {
  const parts = SECTIONS.map((f) => readFileSync(path.join(ROOT, 'docs/readme', f), 'utf8').trim());
  return (
    parts
      .join('\n\n')
      .replace('{{config-reference}}', configReference())
      .replace('{{metrics-reference}}', metricsReference())
      .replace('{{peers-table}}', peersTable())
      .replace('{{edge-report}}', () => edgeReport()) + '\n'
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(path.join(ROOT, 'README.md'), buildReadme());
  process.stdout.write('README.md written\n');
}
