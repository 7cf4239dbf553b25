// `toolgate serve`: load and validate the config, check the listen address is free, start the
// built-in simulator when no upstream is configured, start the gateway, and shut down cleanly on
// SIGINT/SIGTERM. With more than one worker (default: one per CPU) this process becomes the
// cluster primary (cluster/primary.ts) and each worker runs the gateway; the simulator is started
// once, by the primary. A busy or unusable address is one line on stderr and exit code 1, before
// any simulated pod starts (and should the address be taken in between, the pods are stopped).
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { parseFlags } from './flags.js';
import { loadConfig, resolveConfig, ConfigError } from '../config/load.js';
import type { GatewayConfig } from '../config/schema.js';
import { ListenError, startGateway } from '../server.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { startTracing } from '../telemetry/tracing.js';
import { defaultWorkerCount } from '../cluster/cpus.js';
import { runPrimary, WORKER_INDEX_ENV } from '../cluster/primary.js';
import { WorkerLink } from '../cluster/worker-link.js';

const HELP = `usage: toolgate serve [--config FILE] [--port N] [--host ADDR] [--upstream URL ...] [--workers N]

  --config FILE     YAML or JSON config (docs/reference/configuration.md)
  --port N          listen port (default 8080; env PORT)
  --host ADDR       listen address (default 0.0.0.0; env HOST)
  --upstream URL    a vLLM base URL; repeatable (env TOOLGATE_UPSTREAMS, comma-separated)
  --workers N       worker processes sharing the port (default: one per CPU; env TOOLGATE_WORKERS)

With no upstream configured, two simulated vLLM pods are started in-process (see \`toolgate sim\`).`;

const DEFAULT_MODEL = 'Qwen/Qwen3-0.6B';

export async function main(argv: string[]): Promise<number> {
  const parsed = parseFlags('serve', HELP, {
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      upstream: { type: 'string', multiple: true },
      workers: { type: 'string' },
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
  if (values.workers !== undefined) {
    if (!/^[1-9]\d*$/.test(values.workers)) {
      process.stderr.write(`toolgate serve: --workers must be a positive integer (got '${values.workers}')\n`);
      return 2;
    }
    env.TOOLGATE_WORKERS = values.workers;
  }

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
  if (cluster.isWorker) return runWorker(cfg, Number(process.env[WORKER_INDEX_ENV] ?? 0));
  const busy = await listenProblem(cfg.server.host, cfg.server.port);
  if (busy) {
    process.stderr.write(`toolgate serve: ${busy.message}\n`);
    return 1;
  }
  const workers = cfg.server.workers > 0 ? cfg.server.workers : defaultWorkerCount();
  return workers > 1 ? runClusterPrimary(cfg, workers) : runSingle(cfg);
}

/** Binds and releases the address once: the common case of a busy port is refused up front. */
async function listenProblem(host: string, port: number): Promise<ListenError | null> {
  if (port === 0) return null;
  const probe = createServer();
  return await new Promise((resolve) => {
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(new ListenError(`${host}:${port}`, err.code, err)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

/** One process: the gateway (and the simulator, when no upstream is configured) here. */
async function runSingle(config: GatewayConfig): Promise<number> {
  const log = createLogger({ component: 'serve' });
  const stopTracing = await startTracing(config.telemetry.serviceName);
  const { cfg, sim } = await maybeStartSimulator(config, log);
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway(cfg, { logger: createLogger({ component: 'gateway' }) });
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    process.stderr.write(`toolgate serve: ${err.message}\n`);
    await sim?.close();
    await stopTracing?.();
    return 1;
  }
  if (sim) printQuickstart(gateway.url, [...gateway.router.modelNames()][0] ?? DEFAULT_MODEL);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info('shutting down', { signal });
  await gateway.close();
  await sim?.close();
  await stopTracing?.();
  return 0;
}

/** The cluster primary: the simulator (once), then the workers until a signal stops them. */
async function runClusterPrimary(config: GatewayConfig, workers: number): Promise<number> {
  const log = createLogger({ component: 'serve' });
  const { cfg, sim } = await maybeStartSimulator(config, log);
  const code = await runPrimary({
    workers,
    workerEnv: sim ? { TOOLGATE_UPSTREAMS: sim.urls.join(',') } : {},
    // With Redis the buckets live there; without it the primary holds one set for all workers.
    rateLimit: cfg.redis.url ? null : cfg.rateLimit,
    shutdownGraceMs: cfg.server.shutdownGraceMs,
    log,
    onReady: (url) => {
      if (sim) printQuickstart(url, DEFAULT_MODEL);
    },
  });
  await sim?.close();
  return code;
}

/** A cluster worker: the gateway, linked to the primary; stops when the primary says so. */
async function runWorker(cfg: GatewayConfig, index: number): Promise<number> {
  const log = createLogger({ component: 'serve', worker: index });
  const stopTracing = await startTracing(cfg.telemetry.serviceName);
  const link = new WorkerLink(index, log);
  const gateway = await startGateway(cfg, {
    logger: createLogger({ component: 'gateway', worker: index }),
    cluster: link,
  });
  link.ready(gateway.url);
  const reason = await new Promise<string>((resolve) => {
    link.onShutdown(() => resolve('primary'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    // The primary is gone (killed): finish what is in flight and go too.
    process.once('disconnect', () => resolve('primary gone'));
  });
  log.debug('worker stopping', { reason });
  await gateway.close();
  await stopTracing?.();
  // The IPC channel would keep this process alive.
  process.exit(0);
}

/** No backend and no discovery anywhere → start `cfg.sim.pods` simulated pods as the default pool. */
async function maybeStartSimulator(cfg: GatewayConfig, log: Logger) {
  const hasBackends = Object.values(cfg.pools).some((p) => p.backends.length > 0 || p.discovery !== undefined);
  if (hasBackends) return { cfg, sim: null };
  const { startSim } = await import('../../../loadtest/src/sim/index.js');
  const sim = await startSim({
    pods: cfg.sim.pods,
    port: cfg.sim.port,
    profile: cfg.sim.profile,
    faults: cfg.sim.faults,
    seed: cfg.sim.seed,
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
