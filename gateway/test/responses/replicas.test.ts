// previous_response_id behind several pods and several gateway replicas: two real `toolgate
// serve` processes share one real redis-server, in front of a simulator with two pods. A
// conversation started on one replica continues on the other — its turns served by different
// pods (round robin), since no pod holds any of it — and GET/DELETE see the same state from
// either replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { NotFoundError } from 'openai';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { FAST, tempDir } from '../experiments/helpers.js';
import { serveProcess, type GatewayProcess } from '../e2e/processes.js';
import { MODEL, weatherTool } from './helpers.js';

const weather = weatherTool;

describe('Responses state shared by two gateway processes through Redis', () => {
  let redis: RedisServer;
  let sim: SimCluster;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const gws: GatewayProcess[] = [];
  const clients: OpenAI[] = [];
  /** Requests each pod had served before the conversation (start-up probes). */
  let before: number[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSim({ port: 0, pods: 2, ...FAST });
    tmp = await tempDir('toolgate-responses-replicas-');
    const config = {
      pools: { default: { backends: sim.urls.map((url) => ({ url })), policy: { type: 'round_robin' } } },
      redis: { url: redis.url },
      capture: { dir: tmp.dir },
      health: { intervalMs: 60_000 },
    };
    // Two processes starting at once on a busy machine can take a while: wait up to 80 s each.
    gws.push(
      ...(await Promise.all([
        serveProcess(tmp.dir, 'a', config, {}, 80_000),
        serveProcess(tmp.dir, 'b', config, {}, 80_000),
      ])),
    );
    for (const g of gws) clients.push(new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'unused', maxRetries: 0 }));
    before = sim.pods.map((p) => p.stats().requests);
  }, 100_000);

  afterAll(async () => {
    await Promise.all(gws.map((g) => g.stop()));
    await sim?.close();
    await redis?.dispose();
    await tmp?.remove();
  });

  it('continues a multi-turn conversation across replicas with previous_response_id', async () => {
    const [a, b] = clients as [OpenAI, OpenAI];
    const r1 = await a.responses.create({ model: MODEL, input: 'What is the weather in Paris?', tools: [weather] });
    const call = r1.output.find((i) => i.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error(`expected a function call, got ${JSON.stringify(r1.output)}`);

    // Turn 2 on the other replica: the tool result, chained to turn 1 it never saw.
    const r2 = await b.responses.create({
      model: MODEL,
      previous_response_id: r1.id,
      tools: [weather],
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }],
    });
    expect(r2.output.map((i) => i.type)).toEqual(['reasoning', 'message']); // the pods run the qwen3 reasoning parser

    // Turn 3 back on the first replica, streamed, chained to turn 2.
    const stream = await a.responses.create({
      model: MODEL,
      previous_response_id: r2.id,
      input: 'What about Oslo?',
      tools: [weather],
      stream: true,
    });
    let completed: OpenAI.Responses.Response | null = null;
    for await (const e of stream) if (e.type === 'response.completed') completed = e.response;
    expect(completed?.previous_response_id).toBe(r2.id);
    const call3 = completed!.output.find((i) => i.type === 'function_call');
    expect(call3?.type === 'function_call' && JSON.parse(call3.arguments)).toEqual({ city: 'Oslo' });

    // Both replicas see every response; a delete on one is seen by the other.
    expect((await b.responses.retrieve(r1.id)).output).toEqual(r1.output);
    expect((await a.responses.retrieve(completed!.id)).id).toBe(completed!.id);
    await b.responses.delete(r1.id);
    await expect(a.responses.retrieve(r1.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('the conversation was served by both pods', () => {
    sim.pods.forEach((pod, i) => expect(pod.stats().requests).toBeGreaterThan(before[i]!));
  });
});
