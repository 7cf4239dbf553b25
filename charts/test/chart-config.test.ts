// The config file the chart renders must be accepted by the gateway's own loader (the same
// validation `toolgate serve --config` runs at start-up), for the defaults and every example.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../gateway/src/config/load.js';
import { createPolicy } from '../../gateway/src/routing/registry.js';
import { EXAMPLES_DIR, find, helmTemplate, parseManifests, toolgateExamples } from './tools.js';

function renderedConfig(values: string[]): unknown {
  const cm = find(parseManifests(helmTemplate({ values })), 'ConfigMap') as
    { data: Record<string, string> } | undefined;
  if (!cm) throw new Error('no ConfigMap rendered');
  return parseYaml(cm.data['config.yaml'] ?? '');
}

describe('rendered config passes the gateway config loader', () => {
  const cases = [
    { name: 'default values', values: [] as string[] },
    ...toolgateExamples().map((f) => ({ name: f, values: [path.join(EXAMPLES_DIR, f)] })),
  ];
  it.each(cases)('$name', ({ values }) => {
    const cfg = resolveConfig(renderedConfig(values));
    expect(cfg.server.port).toBe(8080);
    expect(cfg.server.host).toBe('0.0.0.0');
    // Each pool's routing policy is built exactly as `serve` builds it: an unknown policy type
    // or a bad option fails here.
    for (const [name, pool] of Object.entries(cfg.pools))
      expect(() => createPolicy(pool.policy as never, `/pools/${name}/policy`)).not.toThrow();
  });

  it('the production-stack example routes its public model to the discovered pool', () => {
    const cfg = resolveConfig(renderedConfig([path.join(EXAMPLES_DIR, 'toolgate-production-stack.yaml')]));
    expect(Object.keys(cfg.pools)).toEqual(['qwen3']);
    expect(JSON.stringify(cfg.models['qwen3-tools'])).toContain('"pool":"qwen3"');
  });
});
