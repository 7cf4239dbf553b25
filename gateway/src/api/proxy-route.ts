// The one proxy route behind /v1/chat/completions and /v1/completions: read and check the
// request, let plugins prepare it (tool calls, experiments), resolve the route, then hand the
// exchange to the Exchanger (exchanger.ts), which dispatches and answers. Plugins see the
// exchange at fixed points; this file knows none of them.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema.js';
import type { Router } from '../routing/router.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import { GatewayError } from './errors.js';
import type { Exchange, ExchangePlugin } from './exchange.js';
import { Exchanger } from './exchanger.js';
import { readJsonBody } from './read-body.js';
import { nodeIncoming, onClientGone, requestHeaders } from './node-bindings.js';
import { validateRequest, type Endpoint } from './validate-request.js';
import type { PassiveHealth } from '../routing/passive-health.js';

export interface ProxyDeps {
  cfg: GatewayConfig;
  router: Router;
  metrics: Metrics;
  log: Logger;
  plugins: ExchangePlugin[];
  passiveHealth: PassiveHealth;
}

export function proxyRoute(endpoint: Endpoint, deps: ProxyDeps) {
  return async function proxy(c: Context): Promise<Response> {
    const receivedAt = performance.now();
    const { raw, body } = await readJsonBody(nodeIncoming(c) ?? c.req.raw, deps.cfg.server.bodyLimitBytes);
    const v = validateRequest(endpoint, body);
    const headers = requestHeaders(c);
    const ex: Exchange = {
      id: c.get('requestId'),
      endpoint,
      receivedAt,
      body,
      bodyChanged: false,
      model: v.model,
      stream: v.stream,
      tools: v.tools,
      headers,
      route: null,
      variant: 'default',
      responseHeaders: { 'x-request-id': c.get('requestId') },
      backend: null,
      meter: null,
    };
    for (const p of deps.plugins) await p.onRequest?.(ex);
    const route = ex.route ?? deps.router.resolve(v.model);
    if (!route) {
      throw new GatewayError(404, `The model \`${v.model}\` does not exist.`, { code: 'model_not_found', param: 'model' });
    }
    ex.route = route;
    if (route.upstreamModel !== v.model) {
      ex.body.model = route.upstreamModel;
      ex.bodyChanged = true;
    }
    const payload = ex.bodyChanged ? JSON.stringify(ex.body) : raw;
    const exchanger = new Exchanger(ex, payload, deps);
    onClientGone(c, () => exchanger.clientGone());
    return exchanger.run();
  };
}
