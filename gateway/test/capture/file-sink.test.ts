// Capture without Redis: rotating JSONL files, redaction before writing, the bounded queue.
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCaptureConfig } from '../../src/capture/config.js';
import { createCapture } from '../../src/capture/pipeline.js';
import { RotatingFileSink } from '../../src/capture/rotating-file-sink.js';
import { counterValue, quietLogger, testMetrics, toolCallRecord } from './helpers.js';

const tmp = () => mkdtemp(path.join(tmpdir(), 'toolgate-capture-'));

async function readAll(dir: string): Promise<unknown[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
  const out: unknown[] = [];
  for (const f of files) {
    for (const line of (await readFile(path.join(dir, f), 'utf8')).split('\n')) if (line) out.push(JSON.parse(line));
  }
  return out;
}

describe('RotatingFileSink', () => {
  it('rotates before a file would pass maxFileBytes, keeping every line in order', async () => {
    const dir = await tmp();
    const sink = new RotatingFileSink({ dir, maxFileBytes: 1024, rotateMs: 3_600_000 });
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(80) }));
    await sink.append(lines.slice(0, 15));
    await sink.append(lines.slice(15));
    await sink.close();
    expect(sink.files.length).toBeGreaterThanOrEqual(4);
    for (const f of sink.files) expect((await stat(f)).size).toBeLessThanOrEqual(1024);
    const back = (await readAll(dir)) as { i: number }[];
    expect(back.map((r) => r.i)).toEqual(lines.map((_, i) => i));
  });

  it('rotates a file once it is rotateMs old', async () => {
    const dir = await tmp();
    let now = Date.parse('2025-01-01T00:00:00Z');
    const sink = new RotatingFileSink({ dir, maxFileBytes: 1 << 20, rotateMs: 60_000, now: () => now });
    await sink.append(['{"a":1}']);
    now += 30_000;
    await sink.append(['{"a":2}']);
    expect(sink.files).toHaveLength(1);
    now += 30_000;
    await sink.append(['{"a":3}']);
    await sink.close();
    expect(sink.files).toHaveLength(2);
    expect(path.basename(sink.files[1] as string)).toMatch(/^capture-20250101T000100Z-/);
    expect(await readFile(sink.files[0] as string, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(await readFile(sink.files[1] as string, 'utf8')).toBe('{"a":3}\n');
  });
});

describe('capture pipeline → files', () => {
  it('writes records with e-mails and key-like strings redacted, metadata untouched', async () => {
    const dir = await tmp();
    const metrics = testMetrics();
    const cap = createCapture(resolveCaptureConfig({ dir, redact: { patterns: ['ACCT-\\d{6}'] } }), {
      metrics,
      logger: quietLogger(),
    });
    const rec = toolCallRecord({
      messages: [
        { role: 'user', content: 'Mail jane.doe@example.com, key sk-proj-abcdefghijklmnop1234 and ACCT-123456' },
        { role: 'user', content: [{ type: 'text', text: 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345' }] },
      ],
      rawOutput: '{"name":"send","arguments":{"to":"bob@corp.io","api_key":"AKIAABCDEFGHIJKLMNOP"}}',
      calls: [{ name: 'send', arguments: { to: 'bob@corp.io', password: 'hunter2hunter2' } }],
      model: 'user@example.com-model', // metadata is never rewritten
    });
    expect(cap.offer(rec)).toBe(true);
    await cap.close();
    const [back] = (await readAll(dir)) as (typeof rec)[];
    const text = JSON.stringify(back);
    expect(text).not.toMatch(
      /jane\.doe|bob@corp|sk-proj-abc|AKIAABCD|abcdefghijklmnopqrstuvwxyz012345|hunter2|ACCT-123456/,
    );
    expect(back?.messages[0]?.content).toBe('Mail [REDACTED_EMAIL], key [REDACTED_KEY] and [REDACTED]');
    expect(back?.calls?.[0]?.arguments).toEqual({ to: '[REDACTED_EMAIL]', password: '[REDACTED_KEY]' });
    expect(back?.model).toBe('user@example.com-model');
    expect(back?.id).toBe(rec.id);
    expect(await counterValue(metrics.captureRecords, { sink: 'file', result: 'written' })).toBe(1);
  });

  it('redaction can be switched off per kind', async () => {
    const dir = await tmp();
    const cap = createCapture(resolveCaptureConfig({ dir, redact: { email: false, apiKeys: false } }), {
      metrics: testMetrics(),
      logger: quietLogger(),
    });
    cap.offer(toolCallRecord({ rawOutput: 'a@b.example.com sk-abcdefghijklmnopqrstuvwxyz' }));
    await cap.close();
    const [back] = (await readAll(dir)) as { rawOutput: string }[];
    expect(back?.rawOutput).toBe('a@b.example.com sk-abcdefghijklmnopqrstuvwxyz');
  });

  it('a full queue refuses offers without throwing and counts every drop', async () => {
    const dir = await tmp();
    const metrics = testMetrics();
    const cap = createCapture(resolveCaptureConfig({ dir, queueSize: 3 }), { metrics, logger: quietLogger() });
    // Synchronous offers: the worker cannot drain in between, so exactly 3 fit.
    const results = Array.from({ length: 10 }, () => cap.offer(toolCallRecord()));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await counterValue(metrics.captureDropped)).toBe(7);
    await cap.close();
    expect(await readAll(dir)).toHaveLength(3);
    expect(await counterValue(metrics.captureQueueDepth)).toBe(0);
  });

  it('close + re-create keeps every acknowledged record (appends, never truncates)', async () => {
    const dir = await tmp();
    const cfg = resolveCaptureConfig({ dir });
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      const cap = createCapture(cfg, { metrics: testMetrics(), logger: quietLogger() });
      for (let i = 0; i < 50; i++) {
        const r = toolCallRecord();
        ids.push(r.id);
        cap.offer(r);
      }
      await cap.flush(); // acknowledged: in the file
      await cap.close();
    }
    const back = (await readAll(dir)) as { id: string }[];
    expect(back.map((r) => r.id).sort()).toEqual([...ids].sort());
  });

  it('samples valid calls at sampleValid and always wants invalid/repaired ones', () => {
    let x = 0;
    const seq = [0.05, 0.5, 0.09, 0.95];
    const cap = createCapture(resolveCaptureConfig({ dir: '/nonexistent-never-written', sampleValid: 0.1 }), {
      metrics: testMetrics(),
      logger: quietLogger(),
      random: () => seq[x++ % seq.length] as number,
    });
    expect([cap.wants('valid'), cap.wants('valid'), cap.wants('valid'), cap.wants('valid')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(cap.wants('invalid')).toBe(true);
    expect(cap.wants('repaired')).toBe(true);
    expect(cap.wants('none')).toBe(false);
  });

  it('rejects an invalid custom redaction pattern at construction with the pattern named', () => {
    expect(() =>
      createCapture(resolveCaptureConfig({ redact: { patterns: ['(unclosed'] } }), {
        metrics: testMetrics(),
        logger: quietLogger(),
      }),
    ).toThrow(/invalid regular expression "\(unclosed"/);
  });
});
