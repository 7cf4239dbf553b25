// Passive ejection (circuit breaker), EndpointSlice parsing, engine-load parsing and engine kinds.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/routing/circuit-breaker.js';
import { endpointsFromSlices, type EndpointSlice } from '../../src/routing/discovery/endpoint-slices.js';
import { parseEngineLoad } from '../../src/routing/load-scraper.js';
import { cardNames, detectKind, normalizeCard } from '../../src/routing/engine-kind.js';
import { Router } from '../../src/routing/router.js';
import { resolveConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { createLogger } from '../../src/telemetry/log.js';

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
    ports: [{ name: 'metrics', port: 9090 }, { name: 'http', port }],
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
    expect(endpointsFromSlices([slice('b', 1, [{ addresses: ['10.0.0.9'] }])], { scheme: 'http' })[0]!.url).toBe('http://10.0.0.9:9090');
    expect(endpointsFromSlices([slice('c', 1, [{ addresses: ['fd00::1'] }])], { port: 8000, scheme: 'https' })[0]!.url).toBe('https://[fd00::1]:8000');
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
    expect(parseEngineLoad('llamacpp:kv_cache_usage_ratio 0.4\nconstructor 5\n__proto__ 1\n', 'llamacpp')).toEqual({ running: 0, waiting: 0, kvCacheUsage: 0.4 });
  });

  it("detects llama-server from its cards and serves them in vLLM's shape", () => {
    const card = { id: 'tiny', aliases: ['tiny', 'edge'], object: 'model', created: 1, owned_by: 'llamacpp', meta: { n_ctx: 2048, n_ctx_train: 1024 } };
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
        edge: { kind: 'llamacpp', backends: [{ url: 'http://127.0.0.1:1' }, { url: 'http://127.0.0.1:2', kind: 'vllm' }] },
        auto: { backends: [{ url: 'http://127.0.0.1:3' }, { url: 'http://127.0.0.1:4', kind: 'auto' }] },
      },
    });
    const router = new Router(cfg, createMetrics(), createLogger({}, 'silent'));
    const kinds = router.allBackends().map((b) => [b.url.slice(-1), b.kind, b.kindConfigured]);
    expect(kinds).toEqual([['1', 'llamacpp', true], ['2', 'vllm', true], ['3', null, false], ['4', null, false]]);
    expect(() => resolveConfig({ pools: { p: { kind: 'llama', backends: [{ url: 'http://127.0.0.1:1' }] } } })).toThrow(/kind/);
    expect(() => resolveConfig({ pools: { p: { backends: [{ url: 'http://127.0.0.1:1', kind: 'tgi' }] } } })).toThrow(/kind/);
  });
});
