// POST /v1/toolcalls/score: {tools, raw, reference?} → strict parse, the gateway's verdict, name
// and argument checks, and the reward breakdown of docs/reward-spec.md. The same function backs
// `toolgate score`, eval and (via the shared vectors) the GRPO reward. The tool schemas are
// compiled off the event loop first (compile pool); scoring itself is synchronous.
import type { Context } from 'hono';
import { compileToolsOffThread, isPlainObject, parseScoreRequest, scoreOutput } from '../toolcalls/index.js';
import { readJsonBody } from './read-body.js';

export function scoreRoute(limitBytes: number) {
  return async function score(c: Context): Promise<Response> {
    const { body } = await readJsonBody(c.req.raw, limitBytes);
    if (isPlainObject(body)) await compileToolsOffThread(body.tools ?? []);
    return c.json(scoreOutput(parseScoreRequest(body)));
  };
}
