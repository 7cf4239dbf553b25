// One model call made for a Responses request: an Exchange on the chat endpoint (labelled
// `responses` in metrics) prepared and run exactly as a chat request is — plugins (experiments
// and shadow, tool calls, capture), routing, retries, timeouts — so the Responses API has every
// guarantee of chat by construction. The caller translates the Answer it returns.
import { Exchange } from '../api/exchange.js';
import { Exchanger, type Answer } from '../api/exchanger.js';
import { prepareExchange, type ProxyDeps } from '../api/proxy-route.js';
import type { ExecutionLog } from '../mcp/executions.js';
import { TOOL_EXECUTIONS } from '../mcp/executions.js';
import type { Obj } from './protocol.js';

export interface ModelCallInit {
  id: string;
  model: string;
  stream: boolean;
  body: Obj;
  headers: Readonly<Record<string, string>>;
  /** Set when the call may issue MCP calls: capture waits for their outcomes. */
  executions?: ExecutionLog;
}

export class ModelCall {
  readonly ex: Exchange;
  private exchanger: Exchanger | null = null;
  private answered = false;

  constructor(init: ModelCallInit) {
    this.ex = new Exchange({
      id: init.id,
      endpoint: 'chat',
      api: 'responses',
      role: 'primary',
      receivedAt: performance.now(),
      body: init.body,
      model: init.model,
      stream: init.stream,
      tools: Array.isArray(init.body.tools) && init.body.tools.length > 0 ? init.body.tools : null,
      headers: init.headers,
    });
    this.ex.responseHeaders['x-request-id'] = init.id;
    if (init.executions) this.ex.state.set(TOOL_EXECUTIONS, init.executions);
  }

  /** Runs the plugins' request hooks (a GatewayError is the client's), routes, dispatches, returns the answer. */
  async run(deps: ProxyDeps): Promise<Answer> {
    await prepareExchange(this.ex, deps);
    this.exchanger = new Exchanger(this.ex, JSON.stringify(this.ex.body), deps);
    const answer = await this.exchanger.run();
    this.answered = true;
    return answer;
  }

  /** The client went away before the answer started: abort the upstream request. */
  clientGone(): void {
    if (!this.answered) this.exchanger?.clientGone();
  }
}
