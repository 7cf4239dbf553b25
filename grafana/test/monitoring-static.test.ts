// Static checks of grafana/: dashboards are generated from grafana/src (no drift), well formed,
// read only metrics the gateway's catalogue or vLLM export, and the rules pass promtool's check
// and its unit tests.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Registry } from 'prom-client';
import { createMetrics } from '../../gateway/src/telemetry/metrics.js';
import { DASHBOARDS } from '../src/dashboards.js';
import { renderDashboard } from '../src/build-dashboards.js';
import { GRAFANA_DIR, RULE_FILES, dashboardQueries, loadDashboards, metricNames, ruleQueries } from './promql.js';
import { readFileSync } from 'node:fs';

/** vLLM V1 names the engine panels read (shared/README §3; counters carry _total on the wire). */
const VLLM_METRICS = [
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'vllm:kv_cache_usage_perc',
  'vllm:prefix_cache_queries_total',
  'vllm:prefix_cache_hits_total',
  'vllm:prompt_tokens_total',
  'vllm:generation_tokens_total',
  'vllm:time_to_first_token_seconds_bucket',
  'vllm:inter_token_latency_seconds_bucket',
  'vllm:e2e_request_latency_seconds_bucket',
  'vllm:request_queue_time_seconds_bucket',
];

async function gatewaySeriesNames(): Promise<Set<string>> {
  const m = createMetrics(new Registry(), { defaultMetrics: false });
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    const base = metric.name;
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(base + s);
    else names.add(base);
  }
  return names;
}

describe('dashboards', () => {
  it('committed JSON equals what grafana/src generates (run `npx tsx grafana/src/build-dashboards.ts`)', () => {
    for (const [file, json] of Object.entries(DASHBOARDS)) {
      expect(readFileSync(path.join(GRAFANA_DIR, 'dashboards', file), 'utf8'), file).toBe(renderDashboard(json));
    }
  });

  it('have unique uids and panel ids, a datasource variable, and a target on every panel', () => {
    const dashboards = loadDashboards();
    expect(dashboards.map((d) => d.file)).toEqual([
      'toolgate-engines.json',
      'toolgate-experiments.json',
      'toolgate-overview.json',
      'toolgate-routing.json',
      'toolgate-tool-calls.json',
    ]);
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { file, json } of dashboards) {
      const ids = json.panels.map((p) => (p as { id: number }).id);
      expect(new Set(ids).size, file).toBe(ids.length);
      expect(json.templating.list.some((v) => v.type === 'datasource')).toBe(true);
      for (const p of json.panels)
        if (p.type !== 'row') expect(p.targets?.length, `${file}: ${p.title}`).toBeGreaterThan(0);
    }
  });

  it('read only metrics that exist: the gateway catalogue, vLLM names, or recording rules', async () => {
    const known = await gatewaySeriesNames();
    for (const n of VLLM_METRICS) known.add(n);
    for (const r of ruleQueries()) if (r.kind === 'record' && r.name) known.add(r.name);
    const unknown: string[] = [];
    for (const q of [...dashboardQueries(), ...ruleQueries()]) {
      for (const n of metricNames(q.expr)) if (!known.has(n)) unknown.push(`${q.source}: ${n}`);
    }
    expect(unknown).toEqual([]);
  });

  it('the metric-name check catches a misspelt metric', async () => {
    expect(metricNames('sum(rate(toolgate_request_total{model=~"a:b:c"}[1m]))')).toEqual(['toolgate_request_total']);
    expect((await gatewaySeriesNames()).has('toolgate_request_total')).toBe(false);
  });
});

describe('prometheus rules', () => {
  it('promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', ...RULE_FILES], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules: every alert fires on crossing series and not otherwise', () => {
    const out = execFileSync(
      'promtool',
      ['test', 'rules', path.join(GRAFANA_DIR, 'rules/tests/toolgate.rules.test.yaml')],
      { encoding: 'utf8' },
    );
    expect(out).toContain('SUCCESS');
    const tests = readFileSync(path.join(GRAFANA_DIR, 'rules/tests/toolgate.rules.test.yaml'), 'utf8');
    for (const alert of ruleQueries().filter((q) => q.kind === 'alert')) {
      if (alert.name === 'ToolgateEngineKVCacheFull') continue; // a plain gauge threshold
      expect(tests, `no unit test for ${alert.name}`).toContain(`alertname: ${alert.name}`);
    }
  });

  it('promtool rejects a broken rule file (the check can fail)', () => {
    const r = spawnSync('promtool', ['check', 'rules', '/dev/stdin'], {
      input: 'groups:\n  - name: x\n    rules:\n      - record: a:b:c\n        expr: sum(rate(x[5m])\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
  });
});
