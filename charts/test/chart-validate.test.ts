// helm lint + helm template + kubeconform -strict for the default values and every Toolgate
// example, with every optional resource switched on; and proof that kubeconform really rejects.
// Also: the chart renders with helm's offline defaults (no --kube-version), and its API check
// (templates/api-check.yaml) covers every API group version it renders.
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CHART_DIR,
  EXAMPLES_DIR,
  HELM,
  KUBE_VERSION,
  helmTemplate,
  kubeconform,
  missingTools,
  parseManifests,
  run,
  toolgateExamples,
} from './tools.js';

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
  {
    name: 'autoscaling off, PDB by maxUnavailable',
    values: [],
    set: ['autoscaling.enabled=false', 'podDisruptionBudget.maxUnavailable=25%'],
  },
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
    expect(r.summary).toMatch(
      new RegExp(`${kinds.length} resources found .* Valid: ${kinds.length}, Invalid: 0, Errors: 0, Skipped: 0`),
    );
  });

  it('covers every template: all kinds appear with everything on', () => {
    const kinds = new Set(parseManifests(helmTemplate({ set: ALL_ON })).map((m) => m.kind));
    for (const k of [
      'Deployment',
      'Service',
      'ConfigMap',
      'Secret',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'ServiceMonitor',
      'NetworkPolicy',
    ]) {
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
    const bad = helmTemplate({ set: ['serviceMonitor.enabled=true'] }).replace(
      'path: /metrics',
      'path: /metrics\n      scrapeEvery: 5s',
    );
    const r = kubeconform(bad);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/ServiceMonitor.*scrapeEvery/s);
  });

  it('fails to render an HPA with no metric', () => {
    const r = run(HELM, [
      'template',
      'tg',
      CHART_DIR,
      '--kube-version',
      KUBE_VERSION,
      '--set',
      'autoscaling.targetCPUUtilizationPercentage=null',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('autoscaling.enabled needs targetCPUUtilizationPercentage or customMetric.enabled');
  });
});

describe('as GitOps tools and tutorials run it: no --kube-version (helm assumes Kubernetes 1.20 offline)', () => {
  it.each([
    { name: 'default values', set: [] as string[] },
    { name: 'every optional resource on', set: ALL_ON },
  ])('helm template and helm lint --strict work: $name', ({ set }) => {
    const sets = set.flatMap((x) => ['--set', x]);
    const t = run(HELM, ['template', 'tg', CHART_DIR, ...sets]);
    expect(t.status, t.stderr).toBe(0);
    expect(parseManifests(t.stdout).some((m) => m.kind === 'Deployment')).toBe(true);
    const l = run(HELM, ['lint', '--strict', CHART_DIR, ...sets]);
    expect(l.status, l.stdout + l.stderr).toBe(0);
  });
});

describe('API check (templates/api-check.yaml)', () => {
  const CHECK = 'templates/api-check.yaml';
  // Core v1 needs no check; the ServiceMonitor's CRD is named by the API server when it is missing.
  const unchecked = new Set(['v1', 'monitoring.coreos.com/v1']);
  const rendered = [...new Set(parseManifests(helmTemplate({ set: ALL_ON })).map((m) => m.apiVersion))]
    .filter((v) => !unchecked.has(v))
    .sort();

  it('renders the API group versions it is expected to', () => {
    expect(rendered).toEqual([
      'apps/v1',
      'autoscaling/v2',
      'networking.k8s.io/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
    ]);
  });

  // A cluster that does not serve the API is simulated by asking for a version no Kubernetes has
  // (helm's --api-versions can only add to its offline set, not take away).
  it.each([...rendered, 'discovery.k8s.io/v1'])('a cluster without %s fails to install, naming the API', (api) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-chart-'));
    try {
      cpSync(CHART_DIR, dir, { recursive: true });
      const file = path.join(dir, CHECK);
      const text = readFileSync(file, 'utf8');
      expect(text, `${CHECK} does not check ${api}`).toContain(`"${api}"`);
      writeFileSync(file, text.replaceAll(`"${api}"`, `"${api}-absent"`));
      const r = run(HELM, ['template', 'tg', dir, ...ALL_ON.flatMap((x) => ['--set', x])]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`the cluster does not serve ${api}-absent (Kubernetes `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks only for what is rendered: without the optional resources, their APIs are not required', () => {
    const off = [
      'autoscaling.enabled=false',
      'podDisruptionBudget.enabled=false',
      'networkPolicy.enabled=false',
      'discovery.enabled=false',
    ];
    const dir = mkdtempSync(path.join(tmpdir(), 'toolgate-chart-'));
    try {
      cpSync(CHART_DIR, dir, { recursive: true });
      const file = path.join(dir, CHECK);
      let text = readFileSync(file, 'utf8');
      for (const api of [
        'autoscaling/v2',
        'policy/v1',
        'networking.k8s.io/v1',
        'rbac.authorization.k8s.io/v1',
        'discovery.k8s.io/v1',
      ])
        text = text.replaceAll(`"${api}"`, `"${api}-absent"`);
      writeFileSync(file, text);
      const r = run(HELM, ['template', 'tg', dir, ...off.flatMap((x) => ['--set', x])]);
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
