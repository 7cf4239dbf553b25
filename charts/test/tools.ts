// Runs the chart tools installed by mk/charts.mk (helm, kubeconform in .tools/bin) and turns the
// prometheus-operator CRDs into the JSON schemas kubeconform reads, all offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = path.join(REPO_ROOT, 'charts/toolgate');
export const EXAMPLES_DIR = path.join(CHART_DIR, 'examples');
const TOOLS = path.join(REPO_ROOT, '.tools');
export const HELM = path.join(TOOLS, 'bin/helm');
export const KUBECONFORM = path.join(TOOLS, 'bin/kubeconform');
/** The Kubernetes version whose schemas mk/charts.mk unpacks (K8S_SCHEMA_VERSION). */
export const KUBE_VERSION = '1.33.0';

export function missingTools(): string[] {
  const need = [
    HELM,
    KUBECONFORM,
    path.join(TOOLS, `k8s-schemas/v${KUBE_VERSION}-local-strict`),
    path.join(TOOLS, 'crds'),
  ];
  return need.filter((p) => !existsSync(p)).map((p) => path.relative(REPO_ROOT, p));
}

/** Toolgate values files among the examples (the others are for production-stack's and prometheus-adapter's charts). */
export function toolgateExamples(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.startsWith('toolgate-') && f.endsWith('.yaml'))
    .sort();
}

export type Run = { status: number; stdout: string; stderr: string };

export function run(cmd: string, args: string[], input?: string): Run {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` with the given values files and --set flags; throws with helm's message on failure. */
export function helmTemplate(
  opts: { values?: string[]; set?: string[]; release?: string; namespace?: string } = {},
): string {
  const args = [
    'template',
    opts.release ?? 'tg',
    CHART_DIR,
    '--namespace',
    opts.namespace ?? 'llm',
    '--kube-version',
    KUBE_VERSION,
  ];
  for (const v of opts.values ?? []) args.push('-f', v);
  for (const s of opts.set ?? []) args.push('--set', s);
  return execFileSync(HELM, args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, unknown>;

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

export function find(ms: Manifest[], kind: string, name?: string): Manifest | undefined {
  return ms.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
}

type JsonObject = { [k: string]: unknown };

/** openapi2jsonschema's strict mode: objects with properties reject unknown keys (unless they preserve them). */
function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const obj: JsonObject = {};
  for (const [k, v] of Object.entries(node as JsonObject)) obj[k] = strictify(v);
  if (obj.properties && obj.additionalProperties === undefined && !obj['x-kubernetes-preserve-unknown-fields']) {
    obj.additionalProperties = false;
  }
  return obj;
}

let crdDir: string | undefined;
/** Writes strict JSON schemas for the CRDs in .tools/crds as <kind>-<group prefix>-<version>.json; returns the folder. */
export function crdSchemaDir(): string {
  if (crdDir) return crdDir;
  const out = mkdtempSync(path.join(tmpdir(), 'toolgate-crd-schemas-'));
  const src = path.join(TOOLS, 'crds');
  for (const file of readdirSync(src)) {
    const crd = parseAllDocuments(readFileSync(path.join(src, file), 'utf8'))[0]?.toJS() as {
      spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: JsonObject } }[];
      };
    };
    for (const v of crd.spec.versions) {
      const schema = strictify(v.schema.openAPIV3Schema) as JsonObject;
      const name = `${crd.spec.names.kind.toLowerCase()}-${crd.spec.group.split('.')[0]}-${v.name}.json`;
      writeFileSync(path.join(out, name), JSON.stringify(schema));
    }
  }
  mkdirSync(out, { recursive: true });
  crdDir = out;
  return out;
}

/** kubeconform -strict against the offline Kubernetes schemas and the CRD schemas; returns its result. */
export function kubeconform(manifests: string): Run & { summary: string } {
  const k8s = `file://${TOOLS}/k8s-schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  const crds = `file://${crdSchemaDir()}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  const r = run(
    KUBECONFORM,
    [
      '-strict',
      '-summary',
      '-output',
      'text',
      '-kubernetes-version',
      KUBE_VERSION,
      '-schema-location',
      k8s,
      '-schema-location',
      crds,
      '-',
    ],
    manifests,
  );
  const summary = r.stdout.split('\n').find((l) => l.startsWith('Summary:')) ?? '';
  return { ...r, summary };
}
