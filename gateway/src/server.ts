// Builds every gateway service from a validated config and serves the app on a port. Used by
// `toolgate serve` and, in-process, by tests and benchmarks.
import { serve, type ServerType } from '@hono/node-server';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from './api/client-errors.js';
import type { GatewayConfig } from './config/schema.js';
import { createApp } from './app.js';
import { Router } from './routing/router.js';
import { HealthChecker } from './routing/health.js';
import { createPassiveHealth } from './routing/passive-health.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { createLogger, type Logger } from './telemetry/log.js';
import type { ExchangePlugin } from './api/exchange.js';
import { createToolCallPlugin } from './api/toolcalls/plugin.js';
import { createCapturePlugin } from './api/capture-plugin.js';
import { createExperimentsPlugin } from './experiments/plugin.js';
import { createCapture, type Capture } from './capture/pipeline.js';
import { ToolRenderingCheck } from './upstream/tool-rendering-check.js';
import { createRedisClient, waitForRedis } from './state/redis-client.js';
import { createRateLimiter } from './state/rate-limiter.js';
import { loadApiKeys } from './state/api-keys.js';
import { apiKeyAuth } from './api/auth-middleware.js';
import { rateLimit } from './api/rate-limit-middleware.js';
import { scoreRoute } from './api/score-route.js';
import { defaultCompilePool } from './toolcalls/index.js';
import type { Redis } from 'ioredis';
import { MemoryResponseStore, RedisResponseStore } from './responses/store.js';
import { McpTools } from './mcp/toolset.js';
import type { WorkerLink } from './cluster/worker-link.js';

export interface Gateway {
  url: string;
  port: number;
  metrics: Metrics;
  router: Router;
  health: HealthChecker;
  capture: Capture;
  close(): Promise<void>;
}

/** The listen address could not be bound (in use, not permitted, no such address). */
export class ListenError extends Error {
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    cause: Error,
  ) {
    super(`cannot listen on ${address}: ${describeListenError(code, cause)}`);
    this.name = 'ListenError';
  }
}

function describeListenError(code: string | undefined, err: Error): string {
  if (code === 'EADDRINUSE') return 'the address is already in use (is another gateway or server running there?)';
  if (code === 'EACCES') return 'permission denied (ports below 1024 need privileges)';
  if (code === 'EADDRNOTAVAIL') return 'no such local address';
  return err.message;
}

export interface GatewayOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Extra plugins (tests); the standard ones come from config. */
  plugins?: ExchangePlugin[];
  /** In a `serve --workers N` worker: the link to the primary (shared metrics, routing state, limits). */
  cluster?: WorkerLink;
}

/** The tool-call engine's schema limits from config (unset keys keep the engine's defaults). */
function toolLimits(cfg: GatewayConfig) {
  return Object.fromEntries(Object.entries(cfg.toolcalls.limits).filter(([, v]) => v !== undefined));
}

export async function startGateway(cfg: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const log = opts.logger ?? createLogger({ component: 'gateway' });
  const metrics = opts.metrics ?? createMetrics();
  const router = new Router(cfg, metrics, log);
  const health = new HealthChecker(router, cfg.health, metrics, log);
  await router.start(); // first discovery lists, load scrapes
  await health.probeAll();
  health.start();
  // Pods must render the tools under tool_choice "none" for the gateway to own the parse.
  await new ToolRenderingCheck([...router.pools.values()], metrics, log, {
    timeoutMs: cfg.health.timeoutMs,
    retryMs: cfg.health.intervalMs,
    retries: 5,
  }).checkAll();
  // Shared state: one Redis client for capture and rate limits when configured.
  const redis: Redis | null = cfg.redis.url
    ? createRedisClient(cfg.redis.url, { commandTimeoutMs: cfg.redis.commandTimeoutMs, logger: log })
    : null;
  // A bounded wait, so that shared rate limits apply from the first request; after it the gateway
  // starts anyway (limits fall back to this process, capture spools to disk until Redis is back).
  if (redis)
    await waitForRedis(redis, 3000).catch(() =>
      log.warn('redis not ready at start-up; continuing without it until it connects'),
    );
  const keys = loadApiKeys(cfg.auth, process.env);
  const capture = createCapture(cfg.capture, { redis, metrics, logger: log, secrets: keys.secrets });
  // Without Redis, workers share one set of buckets held by the primary.
  const limiter =
    opts.cluster && !redis && cfg.rateLimit.requestsPerMinute > 0
      ? opts.cluster.rateLimiter({ requestsPerMinute: cfg.rateLimit.requestsPerMinute, burst: cfg.rateLimit.burst })
      : createRateLimiter(cfg.rateLimit, { redis, logger: log });
  opts.cluster?.attach(router, metrics.registry, health);
  const passiveHealth = createPassiveHealth(metrics, log);
  const toolCalls = createToolCallPlugin(cfg, metrics);
  const experiments = createExperimentsPlugin(cfg, router, metrics, log, capture);
  const plugins: ExchangePlugin[] = [experiments, toolCalls, createCapturePlugin(capture), ...(opts.plugins ?? [])];
  // A shadow copy is read by the tool-call plugin alone: no experiments of its own, no capture record.
  experiments.shadow.attach({ cfg, router, metrics, log, passiveHealth }, [toolCalls]);
  const app = createApp({
    cfg,
    router,
    health,
    passiveHealth,
    metrics,
    log,
    plugins,
    // Only what is configured is mounted: each middleware is a step of every request.
    apiMiddleware: [
      ...(keys.enabled ? [apiKeyAuth({ keys, metrics, logger: log })] : []),
      ...(limiter ? [rateLimit({ limiter, metrics })] : []),
    ],
    extraRoutes: (a) => a.post('/v1/toolcalls/score', scoreRoute(cfg.server.bodyLimitBytes)),
    responses: {
      store: redis
        ? new RedisResponseStore(redis, cfg.responses.ttlSeconds)
        : new MemoryResponseStore(cfg.responses.ttlSeconds * 1000, cfg.responses.maxEntries),
      mcp: new McpTools(cfg.mcp, toolLimits(cfg)),
      capture,
    },
    metricsText: opts.cluster ? () => opts.cluster!.metricsText() : undefined,
    starting: opts.cluster ? () => opts.cluster!.siblingsStarting : undefined,
  });
  if (keys.enabled) log.info('API keys required', { keys: keys.size });

  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: cfg.server.host, port: cfg.server.port }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  } catch (err) {
    // Nothing may keep running behind a gateway that never listened.
    health.stop();
    await router.close();
    await capture.close();
    redis?.disconnect();
    const e = err as NodeJS.ErrnoException;
    throw new ListenError(`${cfg.server.host}:${cfg.server.port}`, e.code, e);
  }
  answerClientErrors(server as unknown as HttpServer);
  // Tool schemas compile in this worker, off the event loop; started once the gateway listens so
  // its boot does not compete with start-up.
  setImmediate(() => defaultCompilePool.warm());
  const port = (server.address() as AddressInfo).port;
  const host = cfg.server.host === '0.0.0.0' || cfg.server.host === '::' ? '127.0.0.1' : cfg.server.host;
  log.info('gateway listening', { url: `http://${host}:${port}`, backends: router.allBackends().map((b) => b.url) });

  return {
    url: `http://${host}:${port}`,
    port,
    metrics,
    router,
    health,
    capture,
    async close() {
      opts.cluster?.close();
      health.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open.
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        setTimeout(
          () => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(),
          cfg.server.shutdownGraceMs,
        ).unref();
      });
      await router.close();
      await capture.close();
      redis?.disconnect();
    },
  };
}
