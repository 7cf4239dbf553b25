// Every PromQL expression the monitoring ships: dashboard targets, template-variable queries and
// rule expressions, with Grafana's variables replaced so Prometheus can run them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const GRAFANA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RULE_FILES = readdirSync(path.join(GRAFANA_DIR, 'rules'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(GRAFANA_DIR, 'rules', f));

export type Query = { source: string; expr: string; kind: 'panel' | 'variable' | 'record' | 'alert'; name?: string };

type PanelJson = { title?: string; type?: string; targets?: { expr?: string }[]; panels?: PanelJson[] };
type DashboardJson = {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: { list: { type: string; name: string; query?: unknown }[] };
};

export function loadDashboards(): { file: string; json: DashboardJson }[] {
  const dir = path.join(GRAFANA_DIR, 'dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as DashboardJson }));
}

/** label_values(metric{sel}, label) → an equivalent PromQL expression. */
export function labelValuesToPromql(query: string): string {
  const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query.trim());
  if (!m) throw new Error(`unsupported variable query: ${query}`);
  return `count by (${m[2]}) (${m[1]})`;
}

export function dashboardQueries(): Query[] {
  const out: Query[] = [];
  for (const { file, json } of loadDashboards()) {
    const walk = (panels: PanelJson[]) => {
      for (const p of panels) {
        for (const t of p.targets ?? [])
          if (t.expr) out.push({ source: `${file}: ${p.title}`, expr: t.expr, kind: 'panel' });
        if (p.panels) walk(p.panels);
      }
    };
    walk(json.panels);
    for (const v of json.templating.list) {
      if (v.type !== 'query') continue;
      const raw = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
      out.push({ source: `${file}: $${v.name}`, expr: labelValuesToPromql(raw), kind: 'variable' });
    }
  }
  return out;
}

type RuleFile = { groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[] };

export function ruleQueries(): Query[] {
  const out: Query[] = [];
  for (const file of RULE_FILES) {
    const doc = parseYaml(readFileSync(file, 'utf8')) as RuleFile;
    for (const g of doc.groups) {
      for (const r of g.rules) {
        const name = r.record ?? r.alert ?? '?';
        out.push({
          source: `${path.basename(file)}: ${name}`,
          expr: r.expr.trim(),
          kind: r.record ? 'record' : 'alert',
          name,
        });
      }
    }
  }
  return out;
}

/** Grafana variables → values Prometheus accepts: every label value, a concrete rate window. */
export function substitute(expr: string, rateWindow = '1m'): string {
  return expr
    .replace(
      /\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}|\$__range|\$\{__range\}/g,
      rateWindow,
    )
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, '.*');
}

/** An alert's expression without its final threshold comparison: the part that must return data. */
export function alertSubject(expr: string): string {
  const m = /^([\s\S]*?)\s*(>|<|>=|<=|==|!=)\s*-?[0-9.]+(e-?[0-9]+)?\s*$/.exec(expr);
  return m?.[1] ? m[1] : expr;
}

/** Metric names an expression reads (toolgate_*, vllm:*, and recorded level:metric:op names). */
export function metricNames(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names =
    noStrings.match(/\b(?:[a-z_]+(?::[a-zA-Z0-9_]+){2,}|vllm:[a-zA-Z0-9_]+|toolgate_[a-zA-Z0-9_]+)\b/g) ?? [];
  return [...new Set(names)];
}
