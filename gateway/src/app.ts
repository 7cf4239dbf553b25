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
import { GatewayError, errorBody } from './api/errors.js';
import { requestId } from './api/request-id.js';
import { proxyRoute } from './api/proxy-route.js';
import { modelsRoute } from './api/models-route.js';

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
  /** The text /metrics serves; default: this process's registry (a worker asks the primary instead). */
  metricsText?: () => Promise<string>;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('*', requestId());

  app.get('/health', (c) => c.body(null, 200));
  app.get('/ready', (c) => {
    const healthy = deps.router.allBackends().filter((b) => b.healthy).length;
    return healthy > 0 ? c.json({ status: 'ready', healthyBackends: healthy }) : c.json({ status: 'not_ready', healthyBackends: 0 }, 503);
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
  const proxyDeps = { cfg: deps.cfg, router: deps.router, metrics: deps.metrics, log: deps.log, plugins: deps.plugins, passiveHealth: deps.passiveHealth };
  app.post('/v1/chat/completions', proxyRoute('chat', proxyDeps));
  app.post('/v1/completions', proxyRoute('completions', proxyDeps));
  // vLLM's /tokenize, routed like a request for the same model (same pool, same tokenizer).
  app.post('/tokenize', proxyRoute('tokenize', proxyDeps));

  app.notFound((c) => c.json(errorBody(`Unknown path: ${c.req.method} ${c.req.path}`, 'invalid_request_error', 'not_found'), 404));
  app.onError((err, c) => {
    if (err instanceof GatewayError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(err.toBody(), err.status as 400);
    }
    deps.log.error('unhandled error', { requestId: c.get('requestId'), err });
    return c.json(errorBody('Internal gateway error.', 'server_error', 'internal_error'), 500);
  });
  return app;
}
