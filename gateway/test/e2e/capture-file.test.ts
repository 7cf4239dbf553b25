// Capture through the real gateway into JSONL files: an invalid and a repaired response each
// produce one tool_call record with the expected fields; valid ones are not captured at
// sampleValid 0; a streamed repaired response is captured too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_MODEL,
  FAST,
  RAW,
  chat,
  readJsonl,
  startPools,
  tempDir,
  weatherTool,
  type PoolStack,
} from '../experiments/helpers.js';
import { sessionPseudonym } from '../../src/capture/redact.js';

type Rec = Record<string, unknown> & { latency: { ttftMs: number | null; e2eMs: number } };

describe('capture to files through the gateway', () => {
  let s: PoolStack;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('toolgate-capture-e2e-');
    s = await startPools({ main: FAST }, { capture: { dir: tmp.dir, sampleValid: 0 } });
  });
  afterAll(async () => {
    await s?.close();
    await tmp?.remove();
  });

  const send = async (raw: string, session: string, stream = false) => {
    const res = await chat(s.url, {
      model: BASE_MODEL,
      headers: { 'x-session-id': session },
      body: { stream, sim_script: { raw, parser: 'none' } },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return res.headers.get('x-request-id')!;
  };

  it('invalid and repaired responses become tool_call records; valid ones are not sampled at 0', async () => {
    const invalidId = await send(RAW.invalid, 'conv-invalid');
    const repairedId = await send(RAW.repairable, 'conv-repaired');
    const validId = await send(RAW.valid, 'conv-valid');
    const streamedId = await send(RAW.repairable, 'conv-stream', true);
    await s.gateway.capture.flush();
    const recs = (await readJsonl(tmp.dir)) as Rec[];
    expect(recs.map((r) => r.requestId).sort()).toEqual([invalidId, repairedId, streamedId].sort());
    expect(recs.some((r) => r.requestId === validId)).toBe(false);

    const invalid = recs.find((r) => r.requestId === invalidId)!;
    expect(invalid).toMatchObject({
      kind: 'tool_call',
      v: 1,
      conversationId: sessionPseudonym('conv-invalid'),
      model: BASE_MODEL,
      variant: 'default',
      outcome: 'invalid',
      rawOutput: RAW.invalid,
      calls: null,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    expect(invalid.backend).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((invalid.errors as string[]).join(' ')).toMatch(/city/);
    expect(typeof invalid.id).toBe('string');
    expect(Number.isNaN(Date.parse(invalid.ts as string))).toBe(false);
    expect(invalid.latency.e2eMs).toBeGreaterThan(0);

    for (const id of [repairedId, streamedId]) {
      const rec = recs.find((r) => r.requestId === id)!;
      expect(rec).toMatchObject({
        kind: 'tool_call',
        outcome: 'repaired',
        rawOutput: RAW.repairable,
        errors: [],
        calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
      });
      expect((rec.repairs as string[]).length).toBeGreaterThan(0);
    }
    expect(recs.find((r) => r.requestId === streamedId)!.conversationId).toBe(sessionPseudonym('conv-stream'));
  });

  it('an invalid call refused under the reject policy (422) is still captured', async () => {
    const res = await chat(s.url, {
      model: BASE_MODEL,
      headers: { 'x-toolgate-policy': 'reject', 'x-session-id': 'conv-reject' },
      body: { sim_script: { raw: RAW.invalid, parser: 'none' } },
    });
    expect(res.status).toBe(422);
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id');
    await s.gateway.capture.flush();
    const rec = ((await readJsonl(tmp.dir)) as Rec[]).find((r) => r.requestId === id);
    expect(rec).toMatchObject({
      kind: 'tool_call',
      outcome: 'invalid',
      conversationId: sessionPseudonym('conv-reject'),
      rawOutput: RAW.invalid,
      calls: null,
    });
  });
});
