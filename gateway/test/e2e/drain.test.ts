// SIGTERM on the built `toolgate serve` while streams are mid-way: the streams in flight finish
// (every event, then [DONE], no error event), new connections are refused from the moment the
// signal is handled, and the process exits 0 once they are done. A stream that would outlast
// `server.shutdownGraceMs` does not hold the exit past it.
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../../loadtest/src/sim/index.js';
import { serveBuilt, type BuiltGateway } from '../helpers/built-bin.js';
import { sseData } from '../helpers/stack.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const WORDS =
  'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';

/** A stream of 20 words spaced `itlMs` apart (scripted, so its length is known). */
const streamBody = (i: number, itlMs: number) => ({
  model: MODEL,
  stream: true,
  messages: [{ role: 'user', content: `drain ${i}` }],
  sim_script: { raw: WORDS, parser: 'none', ttft_ms: 10, itl_ms: itlMs },
});

/** Starts a stream and resolves once its first bytes arrived; `rest` reads the remainder. */
async function startStream(url: string, body: unknown): Promise<{ rest: Promise<string> }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const first = await reader.read();
  let text = decoder.decode(first.value, { stream: true });
  const rest = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      /* connection cut: the text so far is the result */
    }
    return text;
  })();
  return { rest };
}

const refused = async (url: string): Promise<boolean> => {
  try {
    const res = await fetch(`${url}/health`, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    return false;
  } catch {
    return true;
  }
};

async function until(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('SIGTERM draining (built bin)', () => {
  let sim: SimCluster | null = null;
  let gateway: BuiltGateway | null = null;
  afterEach(async () => {
    await gateway?.stop('SIGKILL');
    await sim?.close();
    gateway = null;
    sim = null;
  });

  it('lets in-flight streams finish, refuses new connections, and exits 0', async () => {
    sim = await startSim({ port: 0, pods: 2, reasoningParser: null });
    gateway = await serveBuilt({ upstreams: sim.urls, server: { shutdownGraceMs: 15_000 } });
    const streams = await Promise.all([0, 1, 2].map((i) => startStream(gateway!.url, streamBody(i, 100))));
    const signalled = Date.now();
    const exit = gateway.stop('SIGTERM');
    await until(() => refused(gateway!.url), 5_000);
    const texts = await Promise.all(streams.map((s) => s.rest));
    for (const text of texts) {
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      const events = sseData(text) as Array<{ error?: unknown; choices?: Array<{ delta?: { content?: string } }> }>;
      expect(events.filter((e) => e.error)).toEqual([]);
      const content = events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
      expect(content.trim()).toBe(WORDS);
    }
    expect(await exit).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(15_000);
  }, 120_000);

  it('does not wait past shutdownGraceMs for a stream that would outlast it', async () => {
    sim = await startSim({ port: 0, pods: 1, reasoningParser: null });
    gateway = await serveBuilt({ upstreams: sim.urls, server: { shutdownGraceMs: 1_000 } });
    const stream = await startStream(gateway.url, streamBody(9, 1_000)); // ≈ 20 s of stream
    const signalled = Date.now();
    const code = await gateway.stop('SIGTERM');
    const waited = Date.now() - signalled;
    expect(code).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(10_000);
    const text = await stream.rest;
    expect(text.endsWith('data: [DONE]\n\n')).toBe(false); // cut at the grace: the client sees a truncated stream
  }, 120_000);
});
