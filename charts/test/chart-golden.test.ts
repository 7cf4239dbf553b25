// Golden tests of the rendered chart: the key values (replicas, HPA, PDB, discovery RBAC,
// security, config) asserted field by field, and whole renders compared with charts/test/golden/
// (refresh on purpose with UPDATE_GOLDEN=1 and review the diff).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EXAMPLES_DIR, find, helmTemplate, parseManifests, type Manifest } from './tools.js';

// Test-local, loosely typed view of rendered manifests.
type Obj = Record<string, any>;
const spec = (m: Manifest | undefined): Obj => {
  if (!m) throw new Error('manifest missing');
  return m.spec as Obj;
};
const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), 'golden');

describe('key values', () => {
  it('replicaCount applies only when the HPA is off', () => {
    const off = parseManifests(helmTemplate({ set: ['autoscaling.enabled=false', 'replicaCount=4'] }));
    expect(spec(find(off, 'Deployment')).replicas).toBe(4);
    expect(find(off, 'HorizontalPodAutoscaler')).toBeUndefined();
    const on = parseManifests(helmTemplate({ set: ['replicaCount=4'] }));
    expect(spec(find(on, 'Deployment')).replicas).toBeUndefined();
  });

  it('HPA scales the Deployment on CPU by default and adds the prometheus-adapter metric on request', () => {
    const def = parseManifests(helmTemplate());
    const hpa = spec(find(def, 'HorizontalPodAutoscaler'));
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tg-toolgate' });
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 10]);
    expect(hpa.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);

    const custom = parseManifests(
      helmTemplate({
        set: ['autoscaling.customMetric.enabled=true', 'autoscaling.targetCPUUtilizationPercentage=null'],
      }),
    );
    expect(spec(find(custom, 'HorizontalPodAutoscaler')).metrics).toEqual([
      {
        type: 'Pods',
        pods: { metric: { name: 'toolgate_inflight_requests' }, target: { type: 'AverageValue', averageValue: '32' } },
      },
    ]);
  });

  it('discovery RBAC: read-only EndpointSlices and Services, one Role per namespace, bound to the gateway ServiceAccount', () => {
    const ms = parseManifests(helmTemplate({ set: ['discovery.extraNamespaces={engines,llm}'] }));
    const roles = ms.filter((m) => m.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['engines', 'llm']);
    for (const r of roles) {
      expect((r as Obj).rules).toEqual([
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] },
      ]);
    }
    const bindings = ms.filter((m) => m.kind === 'RoleBinding') as Obj[];
    expect(bindings).toHaveLength(2);
    for (const b of bindings)
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'tg-toolgate', namespace: 'llm' }]);
    expect(spec(find(ms, 'Deployment')).template.spec.serviceAccountName).toBe('tg-toolgate');

    const off = parseManifests(helmTemplate({ set: ['discovery.enabled=false'] }));
    expect(off.filter((m) => m.kind === 'Role' || m.kind === 'RoleBinding')).toEqual([]);
    expect(spec(find(off, 'Deployment')).template.spec.automountServiceAccountToken).toBe(false);
  });

  it('runs non-root with a read-only root filesystem, writable /data and probes on /health and /ready', () => {
    const pod = spec(find(parseManifests(helmTemplate()), 'Deployment')).template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(pod.volumes.find((v: Obj) => v.name === 'data').emptyDir).toBeDefined();
    expect(c.args).toEqual(['serve', '--config', '/etc/toolgate/config.yaml']);
    expect(c.resources.requests).toEqual({ cpu: '500m', memory: '256Mi' });
  });

  it('the ConfigMap holds the config with the listen address forced to the container port', () => {
    const ms = parseManifests(
      helmTemplate({ set: ['containerPort=9090', 'config.server.port=1', 'config.server.host=127.0.0.1'] }),
    );
    const cfg = parseYaml((find(ms, 'ConfigMap') as Obj).data['config.yaml']) as Obj;
    expect(cfg.server).toMatchObject({ host: '0.0.0.0', port: 9090, shutdownGraceMs: 20000 });
    expect(spec(find(ms, 'Deployment')).template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 9090, protocol: 'TCP' },
    ]);
  });

  it('API keys and Redis come from Secrets as env, never from the ConfigMap', () => {
    const ms = parseManifests(
      helmTemplate({ set: ['apiKeys.keys={sk-one,sk-two}', 'redis.enabled=true', 'redis.url=redis://r:6379/0'] }),
    );
    const secrets = ms.filter((m) => m.kind === 'Secret') as Obj[];
    expect(secrets.map((s) => s.stringData)).toEqual([
      { 'api-keys': 'sk-one,sk-two' },
      { 'redis-url': 'redis://r:6379/0' },
    ]);
    const env = spec(find(ms, 'Deployment')).template.spec.containers[0].env as Obj[];
    expect(env.find((e) => e.name === 'TOOLGATE_API_KEYS')?.valueFrom.secretKeyRef).toEqual({
      name: 'tg-toolgate-api-keys',
      key: 'api-keys',
    });
    expect(env.find((e) => e.name === 'REDIS_URL')?.valueFrom.secretKeyRef).toEqual({
      name: 'tg-toolgate-redis',
      key: 'redis-url',
    });
    expect((find(ms, 'ConfigMap') as Obj).data['config.yaml']).not.toContain('sk-one');
  });

  it('a config change changes the pod template checksum (rolls the pods)', () => {
    const a = spec(find(parseManifests(helmTemplate()), 'Deployment')).template.metadata.annotations['checksum/config'];
    const b = spec(find(parseManifests(helmTemplate({ set: ['config.timeouts.idleMs=1000'] })), 'Deployment')).template
      .metadata.annotations['checksum/config'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
  });
});

describe('golden renders', () => {
  const renders: Record<string, () => string> = {
    'default.yaml': () => helmTemplate(),
    'production-stack.yaml': () =>
      helmTemplate({ values: [path.join(EXAMPLES_DIR, 'toolgate-production-stack.yaml')] }),
  };
  it.each(Object.keys(renders))('%s', (file) => {
    const rendered = renders[file]!();
    const goldenPath = path.join(GOLDEN, file);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenPath)) {
      if (process.env.CI === 'true' && !existsSync(goldenPath)) throw new Error(`golden file ${file} missing`);
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(goldenPath, rendered);
    }
    expect(rendered).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
