// Engine behaviour seen from outside: prefix caching, queueing, fixed timing, determinism.
import { describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import { metricValue, postJson, sleep, TOOLS } from './helpers.js';

/** Streams a chat request; returns ms to the first chunk carrying reasoning/content/tool_calls and to the end. */
async function timedStream(
  url: string,
  body: Record<string, unknown>,
): Promise<{ ttft: number; total: number; chunks: number }> {
  const t0 = performance.now();
  const res = await postJson(`${url}/v1/chat/completions`, { ...body, stream: true });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let ttft = -1;
  let chunks = 0;
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (!ev.startsWith('data: {')) continue;
      const delta = JSON.parse(ev.slice(6)).choices?.[0]?.delta ?? {};
      if (delta.reasoning || delta.content || delta.tool_calls) {
        chunks++;
        if (ttft < 0) ttft = performance.now() - t0;
      }
    }
  }
  return { ttft, total: performance.now() - t0, chunks };
}

describe('engine model', () => {
  it('prefix cache: hits rise on a repeated prompt and the repeat has a lower TTFT', async () => {
    // Slow prefill (20k tokens/s) so a ~3k-token uncached prompt costs ~150 ms and the difference is unmistakable.
    const sim = await startSim({ profile: { prefillTokensPerSecond: 20_000, numGpuBlocks: 8192 } });
    try {
      const url = sim.urls[0]!;
      const system = 'You are a careful assistant. ' + 'Follow the policy section carefully. '.repeat(400);
      const body = (q: string) => ({
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: q },
        ],
        tools: TOOLS,
        max_tokens: 4,
      });
      const first = await timedStream(url, body('Weather in Paris?'));
      const statsAfterFirst = sim.pods[0]!.stats();
      const second = await timedStream(url, body('Weather in Lyon?')); // same system + tools prefix
      const stats = sim.pods[0]!.stats();
      expect(stats.prefixCacheHits - statsAfterFirst.prefixCacheHits).toBeGreaterThan(2500);
      expect(statsAfterFirst.prefixCacheHits).toBe(0);
      expect(first.ttft).toBeGreaterThan(100);
      expect(second.ttft).toBeLessThan(first.ttft / 2);
      const m = await (await fetch(`${url}/metrics`)).text();
      expect(metricValue(m, 'vllm:prefix_cache_hits_total')).toBe(stats.prefixCacheHits);
      expect(metricValue(m, 'vllm:prefix_cache_queries_total')).toBe(stats.prefixCacheQueries);
    } finally {
      await sim.close();
    }
  });

  it('queueing: with max_num_seqs=1 concurrent requests wait; queue time, waiting and KV usage show it', async () => {
    const sim = await startSim({ profile: { maxNumSeqs: 1, decodeBaseMs: 4, numGpuBlocks: 4096 } });
    try {
      const url = sim.urls[0]!;
      const reqs = [0, 1, 2].map((i) =>
        postJson(`${url}/v1/completions`, { prompt: `request ${i}`, max_tokens: 25, ignore_eos: true }).then((r) =>
          r.json(),
        ),
      );
      for (let i = 0; i < 200 && sim.pods[0]!.stats().requests < 3; i++) await sleep(2);
      const mid = sim.pods[0]!.stats();
      const midMetrics = await (await fetch(`${url}/metrics`)).text();
      expect(mid.running).toBe(1);
      expect(mid.waiting).toBe(2);
      expect(metricValue(midMetrics, 'vllm:num_requests_waiting')).toBe(2);
      expect(metricValue(midMetrics, 'vllm:kv_cache_usage_perc')).toBeGreaterThan(0);
      await Promise.all(reqs);
      const m = await (await fetch(`${url}/metrics`)).text();
      // Requests 2 and 3 waited for ~1 and ~2 full requests (25 steps of >= 4 ms each).
      expect(metricValue(m, 'vllm:request_queue_time_seconds_sum')).toBeGreaterThan(0.2);
      expect(metricValue(m, 'vllm:request_queue_time_seconds_count')).toBe(3);
      expect(metricValue(m, 'vllm:kv_cache_usage_perc')).toBe(0);
      expect(sim.pods[0]!.stats()).toMatchObject({
        requests: 3,
        completed: 3,
        running: 0,
        waiting: 0,
        generationTokens: 75,
      });
    } finally {
      await sim.close();
    }
  });

  it('continuous batching: 8 concurrent requests finish in far less than 8x one request', async () => {
    const sim = await startSim({ profile: { decodeBaseMs: 5, numGpuBlocks: 4096 } });
    try {
      const url = sim.urls[0]!;
      const one = { prompt: 'batch me', max_tokens: 40, ignore_eos: true };
      let t = performance.now();
      await (await postJson(`${url}/v1/completions`, one)).json();
      const single = performance.now() - t;
      t = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          postJson(`${url}/v1/completions`, { ...one, prompt: `batch me ${i}` }).then((r) => r.json()),
        ),
      );
      const eight = performance.now() - t;
      expect(single).toBeGreaterThan(150); // 40 steps x >= 5 ms
      expect(eight).toBeLessThan(single * 3);
    } finally {
      await sim.close();
    }
  });

  it('fixed profile: TTFT is ttftMs and tokens arrive itlMs apart (within tolerance)', async () => {
    const sim = await startSim({ profile: { kind: 'fixed', ttftMs: 120, itlMs: 25 } });
    try {
      const body = {
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 11,
        ignore_eos: true,
        chat_template_kwargs: { enable_thinking: false },
      };
      const r = await timedStream(sim.urls[0]!, body);
      expect(r.chunks).toBe(11);
      expect(r.ttft).toBeGreaterThanOrEqual(115);
      expect(r.ttft).toBeLessThan(200);
      // 10 gaps of 25 ms after the first token.
      expect(r.total - r.ttft).toBeGreaterThanOrEqual(240);
      expect(r.total - r.ttft).toBeLessThan(340);
      // No batching effects: 6 concurrent requests take about the time of one (served one after
      // another they would take ~6×; the margin absorbs a loaded CI machine).
      const t = performance.now();
      await Promise.all(Array.from({ length: 6 }, () => timedStream(sim.urls[0]!, body)));
      expect(performance.now() - t).toBeLessThan(r.total * 2.5);
    } finally {
      await sim.close();
    }
  });

  it('faulted responses are identical across runs and arrival orders for the same seed', async () => {
    const faults = { rates: { bare_json: 0.2, python_literals: 0.2, prose_around: 0.2, missing_argument: 0.2 } };
    const bodies = Array.from({ length: 16 }, (_, i) => ({
      messages: [{ role: 'user', content: `Weather in Town${i}?` }],
      tools: TOOLS,
    }));
    const run = async (order: number[]) => {
      const sim = await startSim({ faults, seed: 42, profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } });
      try {
        const out: string[] = new Array(bodies.length);
        await Promise.all(
          order.map(async (i) => {
            const r = (await (await postJson(`${sim.urls[0]}/v1/chat/completions`, bodies[i])).json()) as any;
            const msg = r.choices[0].message;
            out[i] = JSON.stringify([
              msg.content,
              (msg.tool_calls ?? []).map((t: any) => t.function),
              r.choices[0].finish_reason,
            ]);
          }),
        );
        return out;
      } finally {
        await sim.close();
      }
    };
    const forward = await run(bodies.map((_, i) => i));
    const backward = await run(bodies.map((_, i) => bodies.length - 1 - i));
    expect(backward).toEqual(forward);
    // The faults actually fired on some requests and not on others.
    const asContent = forward.filter((s) => JSON.parse(s)[1].length === 0).length;
    expect(asContent).toBeGreaterThan(0);
    expect(asContent).toBeLessThan(bodies.length);
  });
});
