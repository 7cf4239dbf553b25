// The one proxy route behind /v1/chat/completions, /v1/completions and /tokenize: read and check
// the request, let plugins prepare it (tool calls, experiments), resolve the route, then hand the
// exchange to the Exchanger (exchanger.ts), which dispatches and reads the answer, and render what
// it returns (render-chat.ts). Plugins see the exchange at fixed points; this file knows none of them.
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema.js';
import type { Router } from '../routing/router.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/log.js';
import { GatewayError } from './errors.js';
import { Exchange, type ExchangePlugin } from './exchange.js';
import { Exchanger } from './exchanger.js';
import { readJsonBody } from './read-body.js';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { nodeIncoming, nodeOutgoing, onClientGone, requestHeaders } from './node-bindings.js';
import { renderAnswer, writeAnswer } from './render-chat.js';
import { addedResponseHeaders } from './response-headers.js';
import { validateRequest, type Endpoint } from './validate-request.js';
import type { PassiveHealth } from '../routing/passive-health.js';
import type { Dispatch } from '../upstream/dispatch.js';

export interface ProxyDeps {
  cfg: GatewayConfig;
  router: Router;
  metrics: Metrics;
  log: Logger;
  plugins: ExchangePlugin[];
  passiveHealth: PassiveHealth;
  /** The upstream call (upstream/dispatch.ts unless given: unit tests pass a fake). */
  dispatch?: Dispatch;
}

/** Runs the onRequest hooks and resolves the route: the exchange is then ready for an Exchanger. */
export async function prepareExchange(ex: Exchange, deps: ProxyDeps): Promise<void> {
  for (const p of deps.plugins) await p.onRequest?.(ex);
  const route = ex.route ?? deps.router.resolve(ex.model);
  if (!route) {
    throw new GatewayError(404, `The model \`${ex.model}\` does not exist.`, {
      code: 'model_not_found',
      param: 'model',
    });
  }
  ex.route = route;
  if (route.upstreamModel !== ex.model) ex.setBodyField('model', route.upstreamModel);
}

export function proxyRoute(endpoint: Endpoint, deps: ProxyDeps) {
  return async function proxy(c: Context): Promise<Response> {
    const receivedAt = performance.now();
    const { raw, body } = await readJsonBody(nodeIncoming(c) ?? c.req.raw, deps.cfg.server.bodyLimitBytes);
    const v = validateRequest(endpoint, body);
    const id = c.get('requestId');
    const ex = new Exchange({
      id,
      endpoint,
      role: 'primary',
      receivedAt,
      body,
      model: v.model,
      stream: v.stream,
      tools: v.tools,
      headers: requestHeaders(c),
    });
    ex.responseHeaders['x-request-id'] = id;
    await prepareExchange(ex, deps);
    const exchanger = new Exchanger(ex, raw, deps);
    let answered = false;
    onClientGone(c, () => {
      if (!answered) exchanger.clientGone();
    });
    const answer = await exchanger.run();
    answered = true;
    const out = nodeOutgoing(c);
    if (!out) return renderAnswer(answer);
    writeAnswer(answer, out, addedResponseHeaders(c));
    return RESPONSE_ALREADY_SENT;
  };
}
