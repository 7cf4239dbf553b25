// Passive ejection (circuit breaker, whose failure a failure is), the panic threshold, probe hysteresis,
// EndpointSlice parsing and engine-load parsing and engine kinds.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { HealthChecker } from '../../src/routing/health.js';
import { Router } from '../../src/routing/router.js';
import { freePort } from '../helpers/net.js';
import { Backend } from '../../src/routing/backend.js';
import { createPassiveHealth } from '../../src/routing/passive-health.js';
import { Pool } from '../../src/routing/pool.js';
import { createPolicy } from '../../src/routing/registry.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CircuitBreaker } from '../../src/routing/circuit-breaker.js';
import { endpointsFromSlices, type EndpointSlice } from '../../src/routing/discovery/endpoint-slices.js';
import { parseEngineLoad } from '../../src/routing/load-scraper.js';
import { cardNames, detectKind, normalizeCard } from '../../src/routing/engine-kind.js';

describe('circuit breaker', () => {
  it('ejects after N consecutive failures, backs off exponentially and re-admits', () => {
    const br = new CircuitBreaker({ threshold: 3, baseMs: 100, maxMs: 350 });
    expect(br.failure(0)).toBeNull();
    br.success(1); // a success resets the count
    expect(br.failure(2)).toBeNull();
    expect(br.failure(3)).toBeNull();
    expect(br.failure(4)).toBe(100);
    expect(br.allows(50)).toBe(false);
    expect(br.state(50)).toBe('open');
    expect(br.failure(60)).toBeNull(); // late failures while out do not extend it
    expect(br.allows(104)).toBe(true);
    expect(br.state(104)).toBe('probation');
    expect(br.failure(110)).toBe(200); // one failure on probation: out again, twice as long
    expect(br.allows(309)).toBe(false);
    expect(br.failure(311)).toBe(350); // capped at maxMs
    br.success(700);
    expect(br.state(700)).toBe('closed');
    expect(br.failure(701)).toBeNull();
  });
});

describe('EndpointSlice → endpoints', () => {
  const slice = (name: string, port: number, eps: EndpointSlice['endpoints']): EndpointSlice => ({
    metadata: { name },
    addressType: 'IPv4',
    ports: [
      { name: 'metrics', port: 9090 },
      { name: 'http', port },
    ],
    endpoints: eps,
  });
  it('maps ready, not-ready and terminating endpoints, by port name', () => {
    const eps = endpointsFromSlices(
      [
        slice('a', 8000, [
          { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'vllm-0' } },
          { addresses: ['10.0.0.2'], conditions: { ready: false } },
          { addresses: ['10.0.0.3'], conditions: { ready: true, terminating: true } },
          { addresses: ['10.0.0.4'] }, // unknown readiness reads as ready
        ]),
      ],
      { portName: 'http', scheme: 'http' },
    );
    expect(eps).toEqual([
      { url: 'http://10.0.0.1:8000', name: 'vllm-0:8000', ready: true },
      { url: 'http://10.0.0.2:8000', name: '10.0.0.2:8000', ready: false },
      { url: 'http://10.0.0.3:8000', name: '10.0.0.3:8000', ready: false },
      { url: 'http://10.0.0.4:8000', name: '10.0.0.4:8000', ready: true },
    ]);
    expect(endpointsFromSlices([slice('b', 1, [{ addresses: ['10.0.0.9'] }])], { scheme: 'http' })[0]!.url).toBe(
      'http://10.0.0.9:9090',
    );
    expect(
      endpointsFromSlices([slice('c', 1, [{ addresses: ['fd00::1'] }])], { port: 8000, scheme: 'https' })[0]!.url,
    ).toBe('https://[fd00::1]:8000');
  });
});

describe('engine load from /metrics', () => {
  it('sums running/waiting over label sets and averages KV usage', () => {
    const text = [
      '# HELP vllm:num_requests_running Number of requests in model execution batches.',
      '# TYPE vllm:num_requests_running gauge',
      'vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-0.6B"} 3.0',
      'vllm:num_requests_running{engine="1",model_name="Qwen/Qwen3-0.6B"} 2.0',
      'vllm:num_requests_waiting{engine="0",model_name="Qwen/Qwen3-0.6B"} 4',
      'vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen3-0.6B"} 0.5',
      'vllm:kv_cache_usage_perc{engine="1",model_name="Qwen/Qwen3-0.6B"} 0.25',
      'vllm:num_requests_running_other 99',
    ].join('\n');
    expect(parseEngineLoad(text)).toEqual({ running: 5, waiting: 4, kvCacheUsage: 0.375 });
    expect(parseEngineLoad('# nothing\nfoo 1\n')).toBeNull();
  });
});

describe('passive health: whose failure is it', () => {
  const quiet = createLogger({}, 'silent');
  const setup = () => {
    const health = createPassiveHealth(createMetrics(undefined, { defaultMetrics: false }), quiet);
    const mk = (port: number) =>
      new Backend({
        url: `http://127.0.0.1:${port}`,
        pool: 'p',
        connectTimeoutMs: 100,
        ejection: { threshold: 1, baseMs: 1000, maxMs: 1000 },
      });
    return { health, a: mk(1), b: mk(2) };
  };

  it('a request failing on two backends counts against neither', () => {
    const { health, a, b } = setup();
    const req = {};
    health.failure(a, 'http_5xx', { request: req, retrying: true });
    health.failure(b, 'http_5xx', { request: req, retrying: false });
    expect([a.healthy, b.healthy]).toEqual([true, true]);
  });

  it('a failure the request then got past elsewhere counts against the backend that failed', () => {
    const { health, a, b } = setup();
    const req = {};
    health.failure(a, 'reset', { request: req, retrying: true });
    expect(a.healthy).toBe(true); // held until the retry says whose fault it was
    health.success(b, { request: req });
    expect([a.healthy, b.healthy]).toEqual([false, true]);
  });

  it('a failure with no other attempt counts; a refused connection ejects at once', () => {
    const { health, a, b } = setup();
    health.failure(a, 'timeout_first_token', { request: {}, retrying: false });
    health.failure(b, 'connect', { request: {}, retrying: true });
    expect([a.healthy, b.healthy, b.probeOk]).toEqual([false, false, false]);
  });

  it('aborts and total deadlines say nothing about a backend', () => {
    const { health, a } = setup();
    health.failure(a, 'aborted', { request: {} });
    health.failure(a, 'timeout_total', { request: {} });
    expect(a.healthy).toBe(true);
  });
});

describe('panic threshold', () => {
  const pool = (n: number, threshold: number) => {
    const p = new Pool('p', createPolicy({ type: 'round_robin' }, 'p'), {
      connectTimeoutMs: 100,
      ejection: { threshold: 1, baseMs: 10_000, maxMs: 10_000 },
      panicThreshold: threshold,
    });
    for (let i = 0; i < n; i++) p.add(`http://127.0.0.1:${1000 + i}`);
    return p;
  };
  it('routes to eligible backends down to the threshold, then to every ready one', () => {
    const p = pool(4, 50);
    const [b0, b1, b2, b3] = p.backends;
    b0!.breaker.eject(Date.now());
    expect(p.routable()).toEqual({ backends: [b1, b2, b3], panic: false });
    b1!.probeOk = false; // 2 of 4 eligible: 50 % is not below 50 %
    expect(p.routable().panic).toBe(false);
    b2!.breaker.eject(Date.now()); // 1 of 4
    b3!.ready = false; // discovery's not-ready stays out even in panic
    expect(p.routable()).toEqual({ backends: [b0, b1, b2], panic: true });
  });
  it('threshold 0 never panics', () => {
    const p = pool(2, 0);
    for (const b of p.backends) b.breaker.eject(Date.now());
    expect(p.routable()).toEqual({ backends: [], panic: false });
  });
});

describe('active probes with hysteresis', () => {
  it('takes a backend out after unhealthyThreshold failed probes in a row, at once when refused', async () => {
    let failing = false;
    const server = createServer((req, res) => {
      if (req.url === '/health') res.writeHead(failing ? 503 : 200).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'm' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const cfg = resolveConfig({ upstreams: [`http://127.0.0.1:${port}`] });
    const metrics = createMetrics(undefined, { defaultMetrics: false });
    const router = new Router(cfg, metrics, createLogger({}, 'silent'));
    const checker = new HealthChecker(
      router,
      { intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2, healthyThreshold: 2 },
      metrics,
      createLogger({}, 'silent'),
    );
    const [b] = router.allBackends();
    try {
      await checker.probe(b!);
      failing = true;
      await checker.probe(b!);
      expect(b!.probeOk).toBe(true); // one failed probe: still in
      await checker.probe(b!);
      expect(b!.probeOk).toBe(false); // two in a row: out
      failing = false;
      await checker.probe(b!);
      expect(b!.probeOk).toBe(false); // healthyThreshold 2: one pass is not enough
      await checker.probe(b!);
      expect(b!.probeOk).toBe(true);
      // Nothing listening: the connection is refused, and one probe is enough.
      const nobody = new Router(
        resolveConfig({ upstreams: [`http://127.0.0.1:${await freePort()}`] }),
        metrics,
        createLogger({}, 'silent'),
      );
      const gone = nobody.allBackends()[0]!;
      await new HealthChecker(
        nobody,
        { intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 3 },
        metrics,
        createLogger({}, 'silent'),
      ).probe(gone);
      expect(gone.probeOk).toBe(false);
      await nobody.close();
    } finally {
      server.close();
      await router.close();
    }
  });
});

describe('probe outcomes shared between workers', () => {
  it("judges a sibling's probes with its own: alternating outcomes keep a backend in, two failures take it out", async () => {
    const server = createServer((req, res) => {
      if (req.url === '/health') res.writeHead(200).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'm' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cfg = resolveConfig({ upstreams: [url] });
    const metrics = createMetrics(undefined, { defaultMetrics: false });
    const router = new Router(cfg, metrics, createLogger({}, 'silent'));
    const checker = new HealthChecker(
      router,
      { intervalMs: 1000, timeoutMs: 500, unhealthyThreshold: 2 },
      metrics,
      createLogger({}, 'silent'),
    );
    const [b] = router.allBackends();
    const sent: Array<[string, boolean]> = [];
    checker.onResult = (backend, ok) => sent.push([backend.url, ok]);
    try {
      // Never seen healthy, a backend is out at the first failure, a sibling's too; a sibling's pass
      // says nothing until this worker's own probe has passed (and learned the models).
      checker.applyShared(b!.pool, url, false, false);
      expect(b!.probeOk).toBe(false);
      checker.applyShared(b!.pool, url, true, false);
      expect(b!.probeOk).toBe(false);
      await checker.probe(b!);
      expect(b!.probeOk).toBe(true);
      expect(sent).toEqual([[url, true]]); // every own outcome goes to the siblings
      // A sibling whose every probe is late, between this worker's passing ones: never two in a row.
      for (let i = 0; i < 3; i++) {
        checker.applyShared(b!.pool, url, false, false);
        expect(b!.probeOk).toBe(true);
        await checker.probe(b!);
      }
      // Two failures in a row, whoever probed: out.
      checker.applyShared(b!.pool, url, false, false);
      checker.applyShared(b!.pool, url, false, false);
      expect(b!.probeOk).toBe(false);
      // Outcomes for a backend this worker does not have are ignored.
      checker.applyShared(b!.pool, 'http://127.0.0.1:1', false, true);
      checker.applyShared('no-such-pool', url, true, false);
      expect(b!.probeOk).toBe(false);
    } finally {
      server.close();
      await router.close();
    }
  });
});

describe('engine kinds (vLLM and llama-server)', () => {
  // llama-server's exposition as tools/server/server-task.cpp writes it (llama-cpp-python 0.3.36's tree)
  const llamacpp = [
    '# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed, excluding cached tokens',
    '# TYPE llamacpp:prompt_tokens_total counter',
    'llamacpp:prompt_tokens_total 120',
    '# TYPE llamacpp:requests_processing gauge',
    'llamacpp:requests_processing 1',
    '# TYPE llamacpp:requests_deferred gauge',
    'llamacpp:requests_deferred 3',
    'llamacpp:n_busy_slots_per_decode 1',
  ].join('\n');

  it("maps llamacpp:requests_processing/_deferred to running/waiting, per the backend's kind", () => {
    expect(parseEngineLoad(llamacpp, 'llamacpp')).toEqual({ running: 1, waiting: 3, kvCacheUsage: 0 });
    expect(parseEngineLoad(llamacpp, null)).toEqual({ running: 1, waiting: 3, kvCacheUsage: 0 });
    expect(parseEngineLoad(llamacpp, 'vllm')).toBeNull();
    expect(parseEngineLoad('vllm:num_requests_running 2\n', 'llamacpp')).toBeNull();
    // older llama-server builds export a KV ratio; names inherited from Object.prototype are no signals
    expect(parseEngineLoad('llamacpp:kv_cache_usage_ratio 0.4\nconstructor 5\n__proto__ 1\n', 'llamacpp')).toEqual({
      running: 0,
      waiting: 0,
      kvCacheUsage: 0.4,
    });
  });

  it("detects llama-server from its cards and serves them in vLLM's shape", () => {
    const card = {
      id: 'tiny',
      aliases: ['tiny', 'edge'],
      object: 'model',
      created: 1,
      owned_by: 'llamacpp',
      meta: { n_ctx: 2048, n_ctx_train: 1024 },
    };
    expect(detectKind([card])).toBe('llamacpp');
    expect(detectKind([{ id: 'Qwen/Qwen3-0.6B', owned_by: 'vllm', max_model_len: 4096 }])).toBe('vllm');
    expect(normalizeCard('llamacpp', card)).toEqual({ ...card, root: 'tiny', parent: null, max_model_len: 2048 });
    const vllmCard = { id: 'm', owned_by: 'vllm', max_model_len: 8 };
    expect(normalizeCard('vllm', vllmCard)).toBe(vllmCard);
    expect(cardNames(card)).toEqual(['tiny', 'tiny', 'edge']);
  });

  it('takes the kind from the backend, else its pool; auto is left to detection; unknown kinds fail validation', () => {
    const cfg = resolveConfig({
      pools: {
        edge: {
          kind: 'llamacpp',
          backends: [{ url: 'http://127.0.0.1:1' }, { url: 'http://127.0.0.1:2', kind: 'vllm' }],
        },
        auto: { backends: [{ url: 'http://127.0.0.1:3' }, { url: 'http://127.0.0.1:4', kind: 'auto' }] },
      },
    });
    const router = new Router(cfg, createMetrics(), createLogger({}, 'silent'));
    const kinds = router.allBackends().map((b) => [b.url.slice(-1), b.kind, b.kindConfigured]);
    expect(kinds).toEqual([
      ['1', 'llamacpp', true],
      ['2', 'vllm', true],
      ['3', null, false],
      ['4', null, false],
    ]);
    expect(() => resolveConfig({ pools: { p: { kind: 'llama', backends: [{ url: 'http://127.0.0.1:1' }] } } })).toThrow(
      /kind/,
    );
    expect(() => resolveConfig({ pools: { p: { backends: [{ url: 'http://127.0.0.1:1', kind: 'tgi' }] } } })).toThrow(
      /kind/,
    );
  });
});
