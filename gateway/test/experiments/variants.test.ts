// Variant assignment through the real gateway: sticky by session / user / API key, weights within
// a binomial bound over many sessions, pinning and its errors, and each variant's upstream model
// reaching its own pool (two simulators that serve different adapter names).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import {
  BASE_MODEL,
  FAST,
  chat,
  errorOf,
  metricSum,
  metricsText,
  simRequests,
  startPools,
  type PoolStack,
} from './helpers.js';

const MODEL = 'toolgate-agent';

describe('experiment variants through the gateway', () => {
  let s: PoolStack;
  beforeAll(async () => {
    s = await startPools(
      { sft: { ...FAST, loraAdapters: ['qwen3-sft'] }, grpo: { ...FAST, loraAdapters: ['qwen3-grpo'] } },
      {
        models: {
          [MODEL]: {
            variants: {
              sft: { pool: 'sft', model: 'qwen3-sft', weight: 80 },
              grpo: { pool: 'grpo', model: 'qwen3-grpo', weight: 20 },
            },
          },
          'locked-agent': {
            allowPin: false,
            variants: {
              sft: { pool: 'sft', model: 'qwen3-sft', weight: 1 },
              grpo: { pool: 'grpo', model: 'qwen3-grpo', weight: 1 },
            },
          },
        },
      },
    );
  });
  afterAll(async () => s?.close());

  const variantOf = async (headers: Record<string, string>, body: Record<string, unknown> = {}) => {
    const res = await chat(s.url, { model: MODEL, headers, body, tools: false });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { model: string };
    const variant = res.headers.get('x-toolgate-variant');
    expect(variant).toMatch(/^(sft|grpo)$/);
    // The upstream model name of the variant reached the simulator that serves it (a wrong pool would 404).
    expect(json.model).toBe(variant === 'sft' ? 'qwen3-sft' : 'qwen3-grpo');
    return variant as string;
  };

  it('the same x-session-id always gets the same variant', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const first = await variantOf({ 'x-session-id': `sess-${i}` });
      seen.add(first);
      // The session wins over the user field and the key (precedence: session, user, key).
      for (let k = 0; k < 3; k++)
        expect(
          await variantOf({ 'x-session-id': `sess-${i}`, authorization: `Bearer sk-${k}` }, { user: `u-${k}` }),
        ).toBe(first);
    }
    // Sticky per session, not one variant for all: 30 hashes at 80/20 give both unless p ≈ 0.001.
    expect(seen).toEqual(new Set(['sft', 'grpo']));
  });

  it('the same `user` field, and separately the same API key, always gets the same variant', async () => {
    const byUser = new Set<string>();
    const byKey = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const u = await variantOf({}, { user: `user-${i}` });
      for (let k = 0; k < 3; k++) expect(await variantOf({}, { user: `user-${i}` })).toBe(u);
      byUser.add(u);
      const key = await variantOf({ authorization: `Bearer sk-test-${i}` });
      for (let k = 0; k < 3; k++) expect(await variantOf({ authorization: `Bearer sk-test-${i}` })).toBe(key);
      byKey.add(key);
    }
    // 30 independent hashes at 80/20: both variants appear unless p = 0.8^30 + 0.2^30 ≈ 0.001.
    expect(byUser).toEqual(new Set(['sft', 'grpo']));
    expect(byKey).toEqual(new Set(['sft', 'grpo']));
  });

  it('80/20 weights hold over 2000 sessions (binomial 99.9% bound) and each variant reaches its pool', async () => {
    const n = 2000;
    const before = { sft: simRequests(s.sims.sft!), grpo: simRequests(s.sims.grpo!) };
    const counts = { sft: 0, grpo: 0 };
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const res = await chat(s.url, {
          model: MODEL,
          headers: { 'x-session-id': `weight-${i}` },
          tools: false,
          body: { max_tokens: 1 },
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        counts[res.headers.get('x-toolgate-variant') as 'sft' | 'grpo']++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(counts.sft + counts.grpo).toBe(n);
    const sd = Math.sqrt(n * 0.2 * 0.8);
    const z999 = 3.2905; // two-sided 99.9 %
    expect(Math.abs(counts.grpo - n * 0.2)).toBeLessThanOrEqual(z999 * sd);
    // What the header says is what the pools saw.
    expect(simRequests(s.sims.sft!) - before.sft).toBe(counts.sft);
    expect(simRequests(s.sims.grpo!) - before.grpo).toBe(counts.grpo);
    const m = await metricsText(s.url);
    expect(
      metricSum(m, 'toolgate_variant_assignments_total', { model: MODEL, variant: 'grpo', reason: 'sticky' }),
    ).toBeGreaterThanOrEqual(counts.grpo);
  });

  it('x-toolgate-variant pins a variant, whatever the session would get (and works through the openai SDK)', async () => {
    const before = simRequests(s.sims.grpo!);
    for (let i = 0; i < 5; i++)
      expect(await variantOf({ 'x-toolgate-variant': 'grpo', 'x-session-id': `pin-${i}` })).toBe('grpo');
    for (let i = 0; i < 5; i++)
      expect(await variantOf({ 'x-toolgate-variant': 'sft', 'x-session-id': `pin-${i}` })).toBe('sft');
    expect(simRequests(s.sims.grpo!) - before).toBe(5);
    const client = new OpenAI({
      baseURL: `${s.url}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
      defaultHeaders: { 'x-toolgate-variant': 'grpo' },
    });
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-toolgate-variant')).toBe('grpo');
    expect(data.model).toBe('qwen3-grpo');
    const m = await metricsText(s.url);
    expect(
      metricSum(m, 'toolgate_variant_assignments_total', { model: MODEL, variant: 'grpo', reason: 'pinned' }),
    ).toBe(6);
  });

  it('an unknown pinned variant is 400 invalid_variant; pinning where allowPin is false is 403 — OpenAI-shaped, nothing sent upstream', async () => {
    const before = simRequests(s.sims.sft!) + simRequests(s.sims.grpo!);
    const bad = await chat(s.url, { model: MODEL, headers: { 'x-toolgate-variant': 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/json/);
    const e1 = await errorOf(bad);
    expect(e1).toMatchObject({ type: 'invalid_request_error', code: 'invalid_variant', param: 'x-toolgate-variant' });
    expect(e1.message).toContain('nope');

    const locked = await chat(s.url, { model: 'locked-agent', headers: { 'x-toolgate-variant': 'sft' } });
    expect(locked.status).toBe(403);
    expect(await errorOf(locked)).toMatchObject({
      type: 'permission_error',
      code: 'variant_pin_not_allowed',
      param: 'x-toolgate-variant',
    });
    // Without a pin the locked model still serves, sticky as usual.
    const ok = await chat(s.url, { model: 'locked-agent', headers: { 'x-session-id': 'locked-1' }, tools: false });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-toolgate-variant')).toMatch(/^(sft|grpo)$/);
    expect(simRequests(s.sims.sft!) + simRequests(s.sims.grpo!) - before).toBe(1);
  });

  it('a model without variants is untouched: no variant header, served by name', async () => {
    const res = await chat(s.url, { model: BASE_MODEL, tools: false });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-toolgate-variant')).toBeNull();
  });
});
