// helm lint + helm template + kubeconform -strict for the default values and every Toolgate
// example, with every optional resource switched on; and proof that kubeconform really rejects.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { CHART_DIR, EXAMPLES_DIR, HELM, KUBE_VERSION, helmTemplate, kubeconform, missingTools, parseManifests, run, toolgateExamples } from './tools.js';

const missing = missingTools();
if (missing.length) throw new Error(`chart tools missing (run \`make charts-deps\`): ${missing.join(', ')}`);

const ALL_ON = [
  'serviceMonitor.enabled=true',
  'networkPolicy.enabled=true',
  'networkPolicy.apiServerCIDR=10.96.0.1/32',
  'redis.enabled=true',
  'redis.url=redis://redis:6379/0',
  'apiKeys.keys={k1,k2}',
  'autoscaling.customMetric.enabled=true',
  'discovery.extraNamespaces={llm}',
];

const cases: { name: string; values: string[]; set: string[] }[] = [
  { name: 'default values', values: [], set: [] },
  { name: 'default values, every optional resource on', values: [], set: ALL_ON },
  { name: 'autoscaling off, PDB by maxUnavailable', values: [], set: ['autoscaling.enabled=false', 'podDisruptionBudget.maxUnavailable=25%'] },
  ...toolgateExamples().map((f) => ({ name: `examples/${f}`, values: [path.join(EXAMPLES_DIR, f)], set: [] })),
];

describe('helm lint', () => {
  it.each(cases)('$name', ({ values, set }) => {
    const args = ['lint', '--strict', '--kube-version', KUBE_VERSION, CHART_DIR];
    for (const v of values) args.push('-f', v);
    for (const s of set) args.push('--set', s);
    const r = run(HELM, args);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe('helm template | kubeconform -strict', () => {
  it.each(cases)('$name', ({ values, set }) => {
    const rendered = helmTemplate({ values, set });
    const kinds = parseManifests(rendered).map((m) => m.kind);
    const r = kubeconform(rendered);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // Every resource was checked against a schema: none skipped, none without one.
    expect(r.summary).toMatch(new RegExp(`${kinds.length} resources found .* Valid: ${kinds.length}, Invalid: 0, Errors: 0, Skipped: 0`));
  });

  it('covers every template: all kinds appear with everything on', () => {
    const kinds = new Set(parseManifests(helmTemplate({ set: ALL_ON })).map((m) => m.kind));
    for (const k of ['Deployment', 'Service', 'ConfigMap', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'NetworkPolicy']) {
      expect(kinds, k).toContain(k);
    }
  });

  it('rejects a manifest that breaks the schema (unknown field, wrong type)', () => {
    const bad = helmTemplate().replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: "five"\n  bogusField: 1');
    const r = kubeconform(bad);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/revisionHistoryLimit/);
    expect(r.stdout).toMatch(/bogusField/);
  });

  it('rejects a ServiceMonitor field the CRD does not define', () => {
    const bad = helmTemplate({ set: ['serviceMonitor.enabled=true'] }).replace('path: /metrics', 'path: /metrics\n      scrapeEvery: 5s');
    const r = kubeconform(bad);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/ServiceMonitor.*scrapeEvery/s);
  });

  it('fails to render an HPA with no metric', () => {
    const r = run(HELM, ['template', 'tg', CHART_DIR, '--kube-version', KUBE_VERSION, '--set', 'autoscaling.targetCPUUtilizationPercentage=null']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('autoscaling.enabled needs targetCPUUtilizationPercentage or customMetric.enabled');
  });
});
