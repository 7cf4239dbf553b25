// `toolgate serve`: load and validate the config, start the built-in simulator when no upstream
// is configured, start the gateway, and shut down cleanly on SIGINT/SIGTERM.
import { parseFlags } from './flags.js';
import { loadConfig, resolveConfig, ConfigError } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { startGateway } from '../server.js';
import { createLogger } from '../telemetry/log.js';
import { startTracing } from '../telemetry/tracing.js';

const HELP = `usage: toolgate serve [--config FILE] [--port N] [--host ADDR] [--upstream URL ...]

  --config FILE     YAML or JSON config (see README: Configuration)
  --port N          listen port (default 8080; env PORT)
  --host ADDR       listen address (default 0.0.0.0; env HOST)
  --upstream URL    a vLLM base URL; repeatable (env TOOLGATE_UPSTREAMS, comma-separated)

With no upstream configured, two simulated vLLM pods are started in-process (see \`toolgate sim\`).`;

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags('serve', HELP, {
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      upstream: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const env = { ...process.env };
  if (values.port) env.PORT = values.port;
  if (values.host) env.HOST = values.host;
  if (values.upstream?.length) env.TOOLGATE_UPSTREAMS = values.upstream.join(',');

  const log = createLogger({ component: 'serve' });
  let cfg: GatewayConfig;
  try {
    cfg = loadConfig(values.config ?? env.TOOLGATE_CONFIG, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`toolgate serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const stopTracing = await startTracing(cfg.telemetry.serviceName);
  const started = await maybeStartSimulator(cfg, log);
  const sim = started.sim;
  cfg = started.cfg;
  const gateway = await startGateway(cfg, { logger: createLogger({ component: 'gateway' }) });
  if (sim) printQuickstart(gateway.url, [...gateway.router.modelNames()][0] ?? 'Qwen/Qwen3-0.6B');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await gateway.close();
  await sim?.close();
  await stopTracing?.();
  return 0;
}

/** No backend and no discovery anywhere → start `cfg.sim.pods` simulated pods as the default pool. */
async function maybeStartSimulator(cfg: GatewayConfig, log: ReturnType<typeof createLogger>) {
  const hasBackends = Object.values(cfg.pools).some((p) => p.backends.length > 0 || p.discovery !== undefined);
  if (hasBackends) return { cfg, sim: null };
  const { startSim } = await import('../../../loadtest/src/sim/index.js');
  const sim = await startSim({
    pods: cfg.sim.pods, port: cfg.sim.port, profile: cfg.sim.profile, faults: cfg.sim.faults, seed: cfg.sim.seed,
    reasoningParser: cfg.sim.reasoningParser === 'none' ? null : 'qwen3',
  });
  log.info('no upstreams configured: started the built-in vLLM simulator', { pods: sim.urls });
  return { cfg: resolveConfig({ ...cfg, upstreams: sim.urls }), sim };
}

function printQuickstart(url: string, model: string): void {
  process.stdout.write(`
Toolgate is ready at ${url} (in front of the built-in simulator).

  curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '{
    "model": "${model}",
    "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
    "tools": [{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
  }'

  // openai SDK (npm i openai)
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'unused' });
  const r = await client.chat.completions.create({ model: '${model}', messages: [{ role: 'user', content: 'Hi' }] });

`);
}
