// The upstream SSE reader (upstream/upstream-stream.ts) on its own, over a body the test writes
// (helpers/fake-dispatch.ts, wired as the exchanger wires undici's): what each event becomes, the
// bounds that turn an odd upstream into a classified failure, the first-event deadline, and the
// yields that keep one answer's backlog from holding up the event loop.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamFailure, UpstreamStream, type UpstreamItem } from '../../src/upstream/upstream-stream.js';
import { FakeBody, chunk, sseEvent } from '../helpers/fake-dispatch.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function open(opts: { firstEventMs?: number; maxEventBytes?: number; signal?: AbortSignal } = {}) {
  const body = new FakeBody();
  const stream = new UpstreamStream(body[Symbol.asyncIterator]() as AsyncIterator<Buffer>, (e) => body.destroy(e), {
    firstEventMs: opts.firstEventMs ?? 60_000,
    maxEventBytes: opts.maxEventBytes ?? 1024 * 1024,
    signal: opts.signal ?? new AbortController().signal,
  });
  return { body, stream };
}

async function readAll(stream: UpstreamStream): Promise<Array<UpstreamItem | null>> {
  const items: Array<UpstreamItem | null> = [];
  for (;;) {
    const item = await stream.next();
    items.push(item);
    if (item === null) return items;
  }
}

/** The failure `p` rejects with (the test fails when it resolves or rejects with anything else). */
async function failureOf(p: Promise<unknown>): Promise<UpstreamFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamFailure);
  return err as UpstreamFailure;
}

describe('events', () => {
  it('classifies each event and keeps its exact text', async () => {
    const { body, stream } = open();
    const c = sseEvent(chunk({ content: 'hi' }));
    const err = sseEvent({ error: { message: 'boom', type: 'InternalServerError', code: 500 } });
    body.end(`${c}: a comment\n\ndata: not json\r\n\r\n${err}${sseEvent('[DONE]')}`);
    expect(await readAll(stream)).toEqual([
      { type: 'chunk', chunk: chunk({ content: 'hi' }), raw: c },
      { type: 'other', raw: ': a comment\n\n' },
      { type: 'other', raw: 'data: not json\r\n\r\n' },
      { type: 'error', error: { error: { message: 'boom', type: 'InternalServerError', code: 500 } }, raw: err },
      { type: 'done', raw: 'data: [DONE]\n\n' },
      null,
    ]);
  });

  it('frames events whose lines end in a bare CR (allowed by the SSE spec)', async () => {
    const { body, stream } = open();
    const c = JSON.stringify(chunk({ content: 'hi' }));
    body.write(`data: ${c}\r`);
    body.end(`\rdata: [DONE]\r\r`);
    expect(await readAll(stream)).toEqual([
      { type: 'chunk', chunk: chunk({ content: 'hi' }), raw: `data: ${c}\r\r` },
      { type: 'done', raw: 'data: [DONE]\r\r' },
      null,
    ]);
  });

  it('frames events the same whatever the read boundaries (bytes, even inside a UTF-8 character)', async () => {
    const text = sseEvent(chunk({ content: 'ünï' })) + sseEvent(chunk({ content: '😀' })) + sseEvent('[DONE]');
    const bytes = Buffer.from(text);
    const { body, stream } = open();
    const items = readAll(stream);
    for (let i = 0; i < bytes.length; i += 3) body.write(bytes.subarray(i, i + 3));
    body.end();
    expect((await items).map((i) => (i?.type === 'chunk' ? i.chunk : (i?.type ?? null)))).toEqual([
      chunk({ content: 'ünï' }),
      chunk({ content: '😀' }),
      'done',
      null,
    ]);
  });

  it.each([
    [
      'a data event that is not a chunk',
      sseEvent({ id: 'x' }),
      'upstream sent a stream event that is not a completion chunk',
    ],
    [
      'a choice that is not an object',
      sseEvent({ choices: [1] }),
      'upstream sent a stream event that is not a completion chunk',
    ],
    [
      'nesting past the walkers’ limit',
      sseEvent(`{"choices":${'['.repeat(5000)}${']'.repeat(5000)}}`),
      'upstream stream event nests too deeply',
    ],
  ])('%s is a bad_response', async (_name, text, message) => {
    const { body, stream } = open();
    body.write(text);
    const f = await failureOf(stream.next());
    expect([f.kind, f.message]).toEqual(['bad_response', message]);
  });

  it('an event longer than the bound without terminator is a bad_response, and reading stops', async () => {
    const { body, stream } = open({ maxEventBytes: 64 });
    body.write('data: ' + 'x'.repeat(40));
    const next = stream.next();
    body.write('x'.repeat(40));
    const f = await failureOf(next);
    expect([f.kind, f.message]).toEqual([
      'bad_response',
      'upstream stream event exceeds 64 bytes without a terminator',
    ]);
    await vi.waitFor(() => expect(body.destroyed).toBe(true));
  });

  it('a body that fails is classified (reset, or the abort reason once the signal fired)', async () => {
    const { body, stream } = open();
    body.write(sseEvent(chunk({ content: 'a' })));
    expect((await stream.next())?.type).toBe('chunk');
    const next = stream.next();
    body.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect((await failureOf(next)).kind).toBe('reset');

    const ctl = new AbortController();
    const aborted = open({ signal: ctl.signal });
    const pending = aborted.stream.next();
    ctl.abort({ kind: 'timeout_total' });
    aborted.body.destroy(new Error('aborted'));
    expect(await failureOf(pending)).toMatchObject({
      kind: 'timeout_total',
      message: 'request exceeded the total timeout',
    });
  });

  it('close() stops reading: the body is released once and next() reports the end', async () => {
    const { body, stream } = open();
    body.write(sseEvent(chunk({ content: 'a' })));
    await stream.next();
    stream.close();
    stream.close();
    await vi.waitFor(() => expect(body.destroyed).toBe(true));
    expect(await stream.next()).toBeNull();
  });
});

describe('the first-event deadline', () => {
  it('a body silent past firstEventMs is destroyed: timeout_first_token', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { body, stream } = open({ firstEventMs: 1_000 });
    let settled = false;
    const next = stream.next().finally(() => (settled = true));
    const failed = failureOf(next);
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    expect(body.destroyed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await failed).toMatchObject({
      kind: 'timeout_first_token',
      message: 'upstream did not start answering within the first-token timeout',
    });
    expect(body.destroyed).toBe(true);
  });

  it('is one deadline, not one per read: bytes that never complete an event do not extend it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { body, stream } = open({ firstEventMs: 1_000 });
    let failed: unknown = null;
    stream.next().catch((e: unknown) => (failed = e));
    for (let t = 0; t < 900; t += 300) {
      await vi.advanceTimersByTimeAsync(300);
      body.write('data: {"choices":'.slice(0, 2 + t / 100)); // a trickle of one event that is never complete
    }
    await vi.advanceTimersByTimeAsync(100);
    await new Promise((r) => setImmediate(r)); // setImmediate is real here: the rejection has landed
    expect(failed).toBeInstanceOf(UpstreamFailure);
    expect(failed).toMatchObject({ kind: 'timeout_first_token' });
    expect(body.destroyed).toBe(true);
  });

  it('does not apply once the first event arrived (later gaps are the idle timeout’s)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { body, stream } = open({ firstEventMs: 1_000 });
    body.write(sseEvent(chunk({ content: 'a' })));
    expect((await stream.next())?.type).toBe('chunk');
    const next = stream.next();
    await vi.advanceTimersByTimeAsync(5_000);
    body.write(sseEvent(chunk({ content: 'b' })));
    expect((await next)?.type).toBe('chunk');
    expect(body.destroyed).toBe(false);
  });
});

describe('yielding', () => {
  /** Reads `n` items from a backlog that arrived in one read; returns how many were handed out when a macrotask first ran. */
  async function itemsBeforeMacrotask(n: number): Promise<number> {
    const { body, stream } = open();
    body.write(Array.from({ length: n }, (_, i) => sseEvent(chunk({ content: String(i) }))).join(''));
    let read = 0;
    expect((await stream.next())?.type).toBe('chunk');
    read++;
    let ranAfter = -1;
    setImmediate(() => (ranAfter = read));
    while (read < n) {
      await stream.next();
      read++;
    }
    await new Promise((r) => setImmediate(r));
    return ranAfter;
  }

  it('hands a backlog out without I/O turns while it is quick', async () => {
    vi.spyOn(performance, 'now').mockReturnValue(1_000);
    expect(await itemsBeforeMacrotask(50)).toBe(50);
  });

  it('lets other work run when handing out a backlog takes longer than a few milliseconds', async () => {
    let now = 1_000;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 1)); // every look at the clock: 1 ms later
    const ranAfter = await itemsBeforeMacrotask(50);
    expect(ranAfter).toBeGreaterThan(0);
    expect(ranAfter).toBeLessThan(10);
  });
});
