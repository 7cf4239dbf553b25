// API keys on a real `toolgate serve` process (TOOLGATE_API_KEYS): no key and a wrong key get 401
// invalid_api_key in OpenAI's shape, a right key is served (openai SDK), and the probes
// /health /ready /metrics need no key.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { BASE_MODEL, FAST, chat, errorOf, metricSum, simRequests, tempDir } from '../experiments/helpers.js';
import { serveProcess, type GatewayProcess } from './processes.js';

describe('API keys on a gateway process', () => {
  let sim: SimCluster;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let gw: GatewayProcess;

  beforeAll(async () => {
    sim = await startSim({ port: 0, pods: 1, ...FAST });
    tmp = await tempDir('toolgate-keys-e2e-');
    gw = await serveProcess(
      tmp.dir,
      'keys',
      { upstreams: sim.urls, capture: { dir: tmp.dir }, health: { intervalMs: 60_000 } },
      { TOOLGATE_API_KEYS: 'sk-alpha-123,sk-beta-456' },
    );
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    await tmp?.remove();
  });

  it('a missing key and a wrong key are 401 invalid_api_key, nothing reaches the backend', async () => {
    const before = simRequests(sim);
    const missing = await chat(gw.url, { model: BASE_MODEL, tools: false });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(missing)).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      param: null,
    });

    const wrong = await chat(gw.url, {
      model: BASE_MODEL,
      tools: false,
      headers: { authorization: 'Bearer sk-alpha-124' },
    });
    expect(wrong.status).toBe(401);
    const e = await errorOf(wrong);
    expect(e).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(e.message).not.toContain('sk-alpha-124'); // the presented key is never echoed

    const models = await fetch(`${gw.url}/v1/models`);
    expect(models.status).toBe(401);
    expect(simRequests(sim)).toBe(before);
    // The key never shows up in the process's logs either.
    expect(gw.output()).not.toContain('sk-alpha-124');
  });

  it('the right key is served (openai SDK); a wrong key surfaces as the SDK AuthenticationError', async () => {
    for (const key of ['sk-alpha-123', 'sk-beta-456']) {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
      const r = await client.chat.completions.create({
        model: BASE_MODEL,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(r.choices[0]!.message.role).toBe('assistant');
      expect((await client.models.list()).data.map((m) => m.id)).toContain(BASE_MODEL);
    }
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-nope', maxRetries: 0 });
    const err = await bad.chat.completions
      .create({ model: BASE_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('/health, /ready and /metrics need no key', async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await fetch(`${gw.url}/metrics`);
    expect(metrics.status).toBe(200);
    // 3 refusals in the first test (missing, wrong, /v1/models) + 1 from the SDK.
    expect(metricSum(await metrics.text(), 'toolgate_auth_failures_total')).toBe(4);
  });
});
