// Loads the gateway configuration: YAML/JSON file (optional) → env overrides → defaults and
// validation (ajv, all errors at once). A bad config fails start-up with messages that name the
// key, e.g. `config: /timeouts/idleMs must be >= 1`.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { configSchema, type GatewayConfig } from './schema.js';
import { checkModelRoutes } from '../experiments/config.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false, coerceTypes: false });
const validate = ajv.compile<GatewayConfig>(configSchema);

/** Env variables that override config keys; documented in docs/reference/configuration.md. */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
  if (env.PORT !== undefined && env.PORT !== '') server.port = intEnv('PORT', env.PORT);
  if (env.HOST) server.host = env.HOST;
  if (env.TOOLGATE_WORKERS !== undefined && env.TOOLGATE_WORKERS !== '')
    server.workers = intEnv('TOOLGATE_WORKERS', env.TOOLGATE_WORKERS);
  out.server = server;
  if (env.TOOLGATE_UPSTREAMS) {
    out.upstreams = env.TOOLGATE_UPSTREAMS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (env.REDIS_URL) out.redis = { ...(raw.redis ?? {}), url: env.REDIS_URL };
  return out;
}

function intEnv(name: string, value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : `${name}=${value}`;
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    return `${where === '/' ? '' : where}/${String(e.params.additionalProperty)} is not a known key`;
  }
  if (e.keyword === 'required') return `${where} is missing required key '${String(e.params.missingProperty)}'`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/**
 * `upstreams` is shorthand for the default pool's static backends. Merged before validation so the
 * pool gets every default (policy, ejection, scrape) like a pool written out in full.
 */
function mergeUpstreamsShorthand(value: Record<string, unknown>): void {
  const upstreams = value.upstreams;
  if (!Array.isArray(upstreams) || upstreams.length === 0 || !upstreams.every((u) => typeof u === 'string')) return;
  const pools = (value.pools ?? {}) as Record<string, unknown>;
  if (typeof pools !== 'object' || Array.isArray(pools)) return;
  const pool = (pools.default ?? {}) as Record<string, unknown>;
  const backends: unknown[] = Array.isArray(pool.backends) ? pool.backends : [];
  const known = new Set(backends.map((b) => (b as { url?: unknown })?.url));
  pools.default = {
    ...pool,
    backends: [...backends, ...upstreams.filter((u) => !known.has(u)).map((url) => ({ url }))],
  };
  value.pools = pools;
}

/** Validates a raw object (already merged with env) and returns the typed config with defaults. */
export function resolveConfig(raw: unknown): GatewayConfig {
  const value = structuredClone(raw ?? {});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(['the configuration must be a mapping (YAML object)']);
  }
  mergeUpstreamsShorthand(value as Record<string, unknown>);
  if (!validate(value)) {
    throw new ConfigError((validate.errors ?? []).map(describe));
  }
  const cfg = value;
  const problems = checkModelRoutes(cfg.models, new Set(Object.keys(cfg.pools)));
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** Reads `path` (YAML or JSON) if given, applies env overrides, validates. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read config file ${path}: ${(err as Error).message}`]);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new ConfigError([`${path} is not valid YAML: ${(err as Error).message}`]);
    }
    if (parsed === null || parsed === undefined) parsed = {};
    if (typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ConfigError([`${path} must hold a mapping at the top level`]);
    raw = parsed as Record<string, unknown>;
  }
  return resolveConfig(applyEnv(raw, env));
}
