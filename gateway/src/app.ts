// Wires the Hono app: middleware, routes and the error mapping. Services are built by the caller
// (server.ts) and passed in; nothing is stored on the request context but the request id.
import { Hono } from 'hono';
import type { GatewayConfig } from './config/schema.js';
import type { Router } from './routing/router.js';
import type { HealthChecker } from './routing/health.js';
import type { Metrics } from './telemetry/metrics.js';
import type { Logger } from './telemetry/log.js';
import type { ExchangePlugin } from './api/exchange.js';
import type { PassiveHealth } from './routing/passive-health.js';
import type { MiddlewareHandler } from 'hono';
import { asGatewayError, errorBody } from './api/errors.js';
import { requestId } from './api/request-id.js';
import { proxyRoute } from './api/proxy-route.js';
import { modelsRoute } from './api/models-route.js';
import { mountResponses } from './responses/route.js';
import type { ResponseStore } from './responses/store.js';
import type { McpTools } from './mcp/toolset.js';
import type { Capture } from './capture/pipeline.js';

export interface AppDeps {
  cfg: GatewayConfig;
  router: Router;
  health: HealthChecker;
  passiveHealth: PassiveHealth;
  metrics: Metrics;
  log: Logger;
  plugins: ExchangePlugin[];
  /** Middlewares for /v1/* (auth, rate limits), in order. */
  apiMiddleware?: MiddlewareHandler[];
  /** Extra routes (e.g. /v1/toolcalls/score) mounted before the proxy. */
  extraRoutes?: (app: Hono) => void;
  /** The Responses API's state, MCP tools and capture (POST/GET/DELETE /v1/responses). */
  responses: { store: ResponseStore; mcp: McpTools; capture: Capture };
  /** The text /metrics serves; default: this process's registry (a worker asks the primary instead). */
  metricsText?: () => Promise<string>;
  /** Under `serve --workers N`: true until every worker has started (/ready answers `starting`). */
  starting?: () => boolean;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('*', requestId());

  app.get('/health', (c) => c.body(null, 200));
  // Ready while some backend answers its probes. Passive ejection is a routing preference (and a
  // pool in panic routes to ejected backends anyway), so it never takes the gateway out of service.
  app.get('/ready', (c) => {
    if (deps.starting?.()) return c.json({ status: 'starting' }, 503);
    const pools = deps.router.readiness();
    const healthy = pools.reduce((s, p) => s + p.eligible, 0);
    const reachable = pools.reduce((s, p) => s + p.reachable, 0);
    const body = {
      status: reachable > 0 ? 'ready' : 'not_ready',
      healthyBackends: healthy,
      reachableBackends: reachable,
      panicPools: pools.filter((p) => p.panic).map((p) => p.pool),
    };
    return c.json(body, reachable > 0 ? 200 : 503);
  });
  const metricsText = deps.metricsText ?? (() => deps.metrics.registry.metrics());
  app.get('/metrics', async (c) => {
    const text = await metricsText();
    return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });

  for (const mw of deps.apiMiddleware ?? []) {
    app.use('/v1/*', mw);
    app.use('/tokenize', mw);
  }
  deps.extraRoutes?.(app);
  app.get('/v1/models', modelsRoute(deps.cfg, deps.health));
  const proxyDeps = {
    cfg: deps.cfg,
    router: deps.router,
    metrics: deps.metrics,
    log: deps.log,
    plugins: deps.plugins,
    passiveHealth: deps.passiveHealth,
  };
  app.post('/v1/chat/completions', proxyRoute('chat', proxyDeps));
  app.post('/v1/completions', proxyRoute('completions', proxyDeps));
  // Translated to chat completions at the gateway (responses/run.ts; docs/responses.md).
  mountResponses(app, { ...proxyDeps, ...deps.responses });
  // vLLM's /tokenize, routed like a request for the same model (same pool, same tokenizer).
  app.post('/tokenize', proxyRoute('tokenize', proxyDeps));

  app.notFound((c) =>
    c.json(errorBody(`Unknown path: ${c.req.method} ${c.req.path}`, 'invalid_request_error', 'not_found'), 404),
  );
  app.onError((err, c) => {
    const known = asGatewayError(err);
    if (known) {
      for (const [k, v] of Object.entries(known.headers)) c.header(k, v);
      return c.json(known.toBody(), known.status as 400);
    }
    deps.log.error('unhandled error', { requestId: c.get('requestId'), err });
    return c.json(errorBody('Internal gateway error.', 'server_error', 'internal_error'), 500);
  });
  return app;
}
