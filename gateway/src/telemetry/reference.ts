// Renders the metrics catalogue (name, type, labels, help) as Markdown from the live registry,
// so docs/reference/metrics.md is generated from the code that exports them.
import { createMetrics } from './metrics.js';

export function metricsReference(): string {
  const { registry } = createMetrics(undefined, { defaultMetrics: false });
  const rows = registry.getMetricsAsArray().map((m) => {
    const meta = m as unknown as { name: string; help: string; labelNames?: string[]; type: string };
    const type = meta.type;
    const labels = (meta.labelNames ?? []).map((l) => `\`${l}\``).join(', ');
    return `| \`${meta.name}\` | ${type} | ${labels} | ${meta.help.replace(/\|/g, '\\|')} |`;
  });
  return ['| metric | type | labels | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
