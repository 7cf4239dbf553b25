// The README is generated from docs/readme/ plus the config schema and metrics catalogue; these
// checks keep the committed file current and its first section the two commands.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReadme } from '../../docs/build-readme.js';
import { createMetrics } from '../src/telemetry/metrics.js';
import { REPO_ROOT } from './helpers/net.js';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('is up to date with docs/readme, the config schema and the metrics catalogue (npm run docs)', () => {
    expect(readme).toBe(buildReadme());
  });

  it('starts with exactly the two commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.split('#')[0]!.trim());
    expect(commands).toEqual(['make start', 'make test']);
    expect(readme.indexOf('make start')).toBeLessThan(readme.indexOf('## '));
  });

  it('documents every metric the gateway exports', () => {
    const { registry } = createMetrics(undefined, { defaultMetrics: false });
    for (const m of registry.getMetricsAsArray()) expect(readme).toContain(`\`${(m as unknown as { name: string }).name}\``);
  });

  it('documents every toolgate command', () => {
    for (const cmd of ['serve', 'sim', 'loadtest', 'eval', 'score', 'export', 'report ab']) expect(readme).toContain(`toolgate ${cmd}`);
  });
});
