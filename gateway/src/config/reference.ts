// Renders the configuration reference (every key, type, default, description) as Markdown from
// the same schema that validates the config, so docs/reference/configuration.md cannot drift from the code.
import type { TSchema } from '@sinclair/typebox';
import { configSchema } from './schema.js';

interface Row {
  key: string;
  type: string;
  def: string;
  description: string;
}

function typeOf(s: Record<string, unknown>): string {
  if (Array.isArray(s.anyOf))
    return (s.anyOf as Record<string, unknown>[])
      .map((x) => ('const' in x ? JSON.stringify(x.const) : typeOf(x)))
      .join(' \\| ');
  if (s.type === 'array') return `array of ${typeOf((s.items ?? {}) as Record<string, unknown>)}`;
  if (s.type === 'object' && s.patternProperties) return 'map';
  return String(s.type ?? 'any');
}

function walk(schema: Record<string, unknown>, prefix: string, rows: Row[]): void {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (props) {
    for (const [name, child] of Object.entries(props)) {
      const key = prefix ? `${prefix}.${name}` : name;
      const isLeafObject = child.type === 'object' && (child.properties || child.patternProperties);
      if (!isLeafObject || child.description) {
        rows.push({
          key,
          type: child.type === 'object' && child.properties ? 'object' : typeOf(child),
          def:
            'default' in child && !(child.type === 'object' && child.properties) ? JSON.stringify(child.default) : '',
          description: String(child.description ?? ''),
        });
      }
      if (child.type === 'object' && child.properties) walk(child, key, rows);
      const pattern = child.patternProperties as Record<string, Record<string, unknown>> | undefined;
      if (pattern) {
        const inner = Object.values(pattern)[0];
        if (inner?.properties) walk(inner, `${key}.<name>`, rows);
      }
    }
  }
}

export function configReference(schema: TSchema = configSchema): string {
  const rows: Row[] = [];
  walk(schema, '', rows);
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.def ? `\`${esc(r.def)}\`` : ''} | ${esc(r.description)} |`),
  ].join('\n');
}
