// Shadow traffic through the real gateway: a slow (2 s) or failing shadow pool never changes or
// delays the primary; overflow beyond shadowMaxConcurrent is dropped and counted; every mirrored
// request leaves a shadow_pair record (file capture) with both outcomes — including a shadow that
// emits a malformed call against a valid primary — and `toolgate report ab` summarises them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/net.js';
import { sseData } from '../helpers/stack.js';
import {
  BASE_MODEL,
  FAST,
  chat,
  metricSum,
  metricsText,
  readJsonl,
  startPools,
  tempDir,
  until,
  type PoolStack,
} from './helpers.js';

const run = promisify(execFile);
type Json = Record<string, unknown>;
type Completion = { choices: Json[]; usage?: Json; toolgate?: Json };

const experiment = (shadowPool: string) => ({
  variants: {
    a: { pool: 'main', model: BASE_MODEL, weight: 1 },
    s: { pool: shadowPool, model: BASE_MODEL, weight: 0 },
  },
  shadow: { variant: 's', percent: 100 },
});

describe('shadow traffic through the gateway', () => {
  let s: PoolStack;
  let capture: Awaited<ReturnType<typeof tempDir>>;
  const shadowCount = async (model: string, result: string) =>
    metricSum(await metricsText(s.url), 'toolgate_shadow_requests_total', { model, result });

  beforeAll(async () => {
    capture = await tempDir('toolgate-shadow-');
    s = await startPools(
      {
        main: FAST,
        slow: { profile: { kind: 'fixed', ttftMs: 2000, itlMs: 5 } },
        broken: { ...FAST, faults: { rates: { http_500: 1 } } },
        // Every tool call comes back without its (required) argument: unrepairable.
        bad: { ...FAST, faults: { rates: { missing_argument: 1 } } },
        good: FAST,
      },
      {
        models: {
          'agent-plain': { variants: { a: { pool: 'main', model: BASE_MODEL, weight: 1 } } },
          'agent-slow': experiment('slow'),
          'agent-broken': experiment('broken'),
          'agent-bad': experiment('bad'),
          'agent-good': experiment('good'),
        },
        experiments: { shadowMaxConcurrent: 2, shadowTimeoutMs: 10_000 },
        capture: { dir: capture.dir, sampleValid: 0 },
      },
    );
  });
  afterAll(async () => {
    await s?.close();
    await capture?.remove();
  });

  /** The primary answer without the ids minted per response (completion and tool-call ids). */
  const comparable = async (res: Response) => {
    const text = (await res.text()).replace(/"(chatcmpl|call)[-_][\w-]+"/g, '"<id>"');
    const body = JSON.parse(text) as Completion;
    return { status: res.status, choices: body.choices, usage: body.usage, toolgate: body.toolgate };
  };

  it('a 2 s shadow neither changes nor delays the primary', async () => {
    const baseline = await comparable(await chat(s.url, { model: 'agent-plain' }));
    expect(baseline.status).toBe(200);
    const started = performance.now();
    const res = await chat(s.url, { model: 'agent-slow' });
    const got = await comparable(res);
    const elapsed = performance.now() - started;
    expect(got).toEqual(baseline);
    expect(res.headers.get('x-toolgate-variant')).toBe('a');
    // The primary is complete while the shadow (2 s to its first token) is still running.
    expect(await shadowCount('agent-slow', 'sent')).toBe(1);
    expect(await shadowCount('agent-slow', 'completed')).toBe(0);
    expect(elapsed).toBeLessThan(1500);
    await until(async () => (await shadowCount('agent-slow', 'completed')) === 1, 'the slow shadow to complete');
  });

  it('shadow requests beyond shadowMaxConcurrent are dropped and counted; the primaries are all served', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => chat(s.url, { model: 'agent-slow', content: `weather in Oslo, take ${i}` })),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    expect(await shadowCount('agent-slow', 'sent')).toBe(1 + 2);
    expect(await shadowCount('agent-slow', 'dropped_overflow')).toBe(3);
    await until(
      async () => (await shadowCount('agent-slow', 'completed')) === 3,
      'the two admitted shadows to complete',
    );
  });

  it('a failing shadow (HTTP 500 on every request) leaves the primary unchanged', async () => {
    const baseline = await comparable(await chat(s.url, { model: 'agent-plain', content: 'weather in Rome?' }));
    const got = await comparable(await chat(s.url, { model: 'agent-broken', content: 'weather in Rome?' }));
    expect(got).toEqual(baseline);
    await until(async () => (await shadowCount('agent-broken', 'failed')) === 1, 'the shadow failure to be counted');
    expect(s.sims.broken!.pods[0]!.stats().requests).toBeGreaterThanOrEqual(1);
  });

  it('the shadow gets the body the primary sends (history repairs included): same prompt tokens at both pools', async () => {
    const main = s.sims.main!.pods[0]!;
    const good = s.sims.good!.pods[0]!;
    const before = {
      main: main.stats().promptTokens,
      good: good.stats().promptTokens,
      done: await shadowCount('agent-good', 'completed'),
    };
    const messages = [
      { role: 'user', content: 'Weather in Paris?' },
      // A malformed earlier call (Python literals, trailing comma): the gateway repairs history before sending.
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: "{'city': 'Paris',}" } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '18C and sunny' },
      { role: 'user', content: 'And in Lima?' },
    ];
    const res = await chat(s.url, { model: 'agent-good', body: { messages } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await until(
      async () => (await shadowCount('agent-good', 'completed')) === before.done + 1,
      'the shadow to complete',
    );
    const primaryTokens = main.stats().promptTokens - before.main;
    expect(primaryTokens).toBeGreaterThan(0);
    expect(good.stats().promptTokens - before.good).toBe(primaryTokens);
  });

  it('a request the gateway refuses (400, bad tool schema) is not mirrored', async () => {
    const before = { good: s.sims.good!.pods[0]!.stats().requests, sent: await shadowCount('agent-good', 'sent') };
    const res = await chat(s.url, {
      model: 'agent-good',
      body: {
        tools: [
          {
            type: 'function',
            function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'no-such-type' } } } },
          },
        ],
      },
    });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 200)); // a shadow would have been dispatched by now
    expect(s.sims.good!.pods[0]!.stats().requests).toBe(before.good);
    expect(await shadowCount('agent-good', 'sent')).toBe(before.sent);
  });

  it('malformed shadow calls against valid primaries, and agreeing pairs (also streamed), are recorded and reported', async () => {
    const ids: Record<string, string[]> = { 'agent-bad': [], 'agent-good': [] };
    for (const model of ['agent-bad', 'agent-good'] as const) {
      for (const city of ['Paris', 'Lima', 'Kyiv']) {
        const res = await chat(s.url, { model, content: `What is the weather in ${city}?` });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-toolgate-toolcalls')).toBe('valid');
        ids[model]!.push(res.headers.get('x-request-id')!);
        await res.arrayBuffer();
      }
    }
    // One streamed request: the shadow reads SSE too.
    const streamed = await chat(s.url, {
      model: 'agent-good',
      content: 'What is the weather in Cairo?',
      body: { stream: true },
    });
    expect(streamed.status).toBe(200);
    const events = sseData(await streamed.text()) as Array<{ choices?: Array<{ delta?: { tool_calls?: unknown[] } }> }>;
    expect(events.some((e) => (e.choices?.[0]?.delta?.tool_calls?.length ?? 0) > 0)).toBe(true);
    ids['agent-good']!.push(streamed.headers.get('x-request-id')!);

    await until(
      async () =>
        (await shadowCount('agent-bad', 'completed')) === 3 && (await shadowCount('agent-good', 'completed')) === 1 + 4,
      'shadows to complete',
    );
    const m = await metricsText(s.url);
    expect(metricSum(m, 'toolgate_shadow_agreement_total', { model: 'agent-bad', agree: 'false' })).toBe(3);
    expect(metricSum(m, 'toolgate_shadow_agreement_total', { model: 'agent-good', agree: 'true' })).toBe(1 + 4);
    // Pair records are offered once the shadow is done; flush makes them durable.
    let onDisk: Json[] = [];
    await until(
      async () => {
        await s.gateway.capture.flush();
        onDisk = (await readJsonl(capture.dir)).filter((r) => r.kind === 'shadow_pair');
        return onDisk.length >= 3 + 1 + 3 + 5;
      },
      'all pair records on disk',
      5000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; have ${JSON.stringify(onDisk.map((r) => r.model))}`);
    });
    expect(onDisk).toHaveLength(3 + 1 + 3 + 5);

    const pairs = (await readJsonl(capture.dir)).filter((r) => r.kind === 'shadow_pair') as Array<
      Json & { primary: Json; shadow: Json }
    >;
    const bad = pairs.filter((p) => p.model === 'agent-bad');
    expect(bad.map((p) => p.requestId).sort()).toEqual([...ids['agent-bad']!].sort());
    for (const p of bad) {
      expect(p.agree).toBe(false);
      expect(p.primary).toMatchObject({ variant: 'a', outcome: 'valid', parsed: true, schemaValid: true });
      expect((p.primary.calls as Json[])[0]).toMatchObject({ name: 'get_weather' });
      expect(p.shadow).toMatchObject({
        variant: 's',
        outcome: 'invalid',
        schemaValid: false,
        calls: null,
        error: null,
      });
      expect(typeof p.shadow.e2eMs).toBe('number');
      expect(p.tools).toEqual([expect.objectContaining({ type: 'function' })]);
    }
    const good = pairs.filter((p) => p.model === 'agent-good');
    expect(good).toHaveLength(5); // 4 here + 1 from the history test
    expect(good.map((p) => p.requestId)).toEqual(expect.arrayContaining(ids['agent-good']!));
    for (const p of good) {
      expect(p.agree).toBe(true);
      expect(p.shadow).toMatchObject({ variant: 's', outcome: 'valid', schemaValid: true });
      expect(p.shadow.calls).toEqual(p.primary.calls);
    }
    const broken = pairs.filter((p) => p.model === 'agent-broken');
    expect(broken).toHaveLength(1);
    expect(broken[0]!.shadow).toMatchObject({ outcome: 'error', calls: null });
    expect(String(broken[0]!.shadow.error)).toContain('500');
    expect(broken[0]!.agree).toBe(false);
    const slow = pairs.filter((p) => p.model === 'agent-slow');
    expect(slow).toHaveLength(3);
    for (const p of slow) expect(p.shadow.ttftMs as number).toBeGreaterThanOrEqual(1900);

    // The report, as a user runs it.
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'gateway/src/cli/main.ts'),
        'report',
        'ab',
        '--in',
        capture.dir,
        '--format',
        'json',
      ],
      { cwd: REPO_ROOT },
    );
    const report = JSON.parse(stdout) as {
      duplicates: number;
      groups: Array<
        Json & {
          model: string;
          pairs: number;
          primary: Json;
          shadow: Json;
          agreement: Json;
          latency: { ttftMs: Json | null; e2eMs: Json | null };
        }
      >;
    };
    expect(report.duplicates).toBe(0);
    expect(report.groups.map((g) => [g.model, g.pairs])).toEqual([
      ['agent-bad', 3],
      ['agent-broken', 1],
      ['agent-good', 5],
      ['agent-slow', 3],
    ]);
    const g = Object.fromEntries(report.groups.map((x) => [x.model, x]));
    expect(g['agent-bad']!.primary).toMatchObject({
      variant: 'a',
      parseRate: { count: 3, n: 3, rate: 1 },
      schemaHitRate: { count: 3, n: 3 },
      errors: 0,
    });
    expect(g['agent-bad']!.shadow).toMatchObject({
      variant: 's',
      parseRate: { count: 0, n: 3, rate: 0 },
      schemaHitRate: { count: 0, n: 3, rate: 0 },
      errors: 0,
    });
    expect(g['agent-bad']!.agreement).toMatchObject({ count: 0, n: 3, rate: 0 });
    expect(g['agent-good']!.agreement).toMatchObject({ count: 5, n: 5, rate: 1 });
    expect(g['agent-broken']!.shadow).toMatchObject({ errors: 1 });
    // Paired latency: the slow shadow's TTFT is ~2 s above the primary's on every pair.
    const slowTtft = g['agent-slow']!.latency.ttftMs as { n: number; meanDiff: number };
    expect(slowTtft.n).toBe(3);
    expect(slowTtft.meanDiff).toBeGreaterThan(1500);
    // Wilson interval of 5/5 is [5/(5+z²), 1] = [0.5655, 1]: check the numbers, not just their presence.
    const ci = (g['agent-good']!.agreement as { ci95: [number, number] }).ci95;
    expect(ci[0]).toBeCloseTo(0.5655, 3);
    expect(ci[1]).toBe(1);
  }, 30_000);

  it('text-only requests (no tools) pair up as agreeing; /v1/completions is served but not mirrored', async () => {
    const done = await shadowCount('agent-good', 'completed');
    const res = await chat(s.url, { model: 'agent-good', tools: false, content: 'Tell me a joke.' });
    expect(res.status).toBe(200);
    const rid = res.headers.get('x-request-id');
    await res.arrayBuffer();
    await until(async () => (await shadowCount('agent-good', 'completed')) === done + 1, 'the text shadow');
    let pair: (Json & { primary: Json; shadow: Json }) | undefined;
    await until(async () => {
      await s.gateway.capture.flush();
      pair = (await readJsonl(capture.dir)).find((r) => r.requestId === rid) as typeof pair;
      return pair !== undefined;
    }, 'the text pair record');
    expect(pair).toMatchObject({
      kind: 'shadow_pair',
      agree: true,
      primary: { outcome: 'none', calls: [] },
      shadow: { outcome: 'none', calls: [] },
    });

    const sent = await shadowCount('agent-good', 'sent');
    const before = s.sims.good!.pods[0]!.stats().requests;
    const comp = await fetch(`${s.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'agent-good', prompt: 'Once upon', max_tokens: 4 }),
    });
    expect(comp.status).toBe(200);
    expect(((await comp.json()) as { choices: Array<{ text: string }> }).choices[0]!.text.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(await shadowCount('agent-good', 'sent')).toBe(sent);
    expect(s.sims.good!.pods[0]!.stats().requests).toBe(before);
  });
});
