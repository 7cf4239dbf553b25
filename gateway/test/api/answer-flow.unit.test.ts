// The answer's way out on its own: StreamAnswerFlow (api/answer-flow.ts) over a real UpstreamStream
// on a body the test writes, composeTransforms (api/answer-transform.ts) and transformWhole — the
// steps a consumer sees, how held chunks are flushed at [DONE], and the order transforms run in.
import { describe, expect, it } from 'vitest';
import { StreamAnswerFlow, transformWhole, type FlowStep } from '../../src/api/answer-flow.js';
import { composeTransforms, type AnswerTransform, type Chunk } from '../../src/api/answer-transform.js';
import { GatewayError } from '../../src/api/errors.js';
import { UpstreamStream } from '../../src/upstream/upstream-stream.js';
import { BadUpstreamAnswer } from '../../src/upstream/whole-answer.js';
import { FakeBody, chunk, completion, content, drain, sseEvent, withContent } from '../helpers/fake-dispatch.js';

function flowOver(text: string | null, transform: AnswerTransform | null) {
  const body = new FakeBody();
  if (text !== null) body.end(text);
  const upstream = new UpstreamStream(body[Symbol.asyncIterator]() as AsyncIterator<Buffer>, (e) => body.destroy(e), {
    firstEventMs: 60_000,
    maxEventBytes: 1024 * 1024,
    signal: new AbortController().signal,
  });
  return { body, flow: new StreamAnswerFlow(upstream, transform) };
}

const texts = (ss: FlowStep[]) => ss.map((s) => (s.type === 'out' ? s.chunks.map(content).join('|') : s.type));

/** A transform that logs what it is called with, under `name`, and passes every chunk on with `name` appended. */
function tagging(name: string, log: string[], opts: { hold?: boolean; tail?: string } = {}): AnswerTransform {
  const held: Chunk[] = [];
  return {
    chunk(c) {
      log.push(`${name}.chunk(${content(c)})`);
      if (opts.hold) return (held.push(c), []);
      return [withContent(c, content(c) + name)];
    },
    end() {
      log.push(`${name}.end`);
      const out = held.splice(0).map((c) => withContent(c, content(c) + name));
      if (opts.tail !== undefined) out.push(withContent(chunk({}), opts.tail));
      return out;
    },
  };
}

describe('StreamAnswerFlow', () => {
  it('without a transform, relays every event with its raw text and ends at [DONE]', async () => {
    const c1 = sseEvent(chunk({ content: 'a' }));
    const { body, flow } = flowOver(`${c1}: ping\n\n${sseEvent('[DONE]')}`, null);
    // Events that came in one read go out as one step: one write to the client.
    expect(await drain(flow)).toEqual([
      { type: 'out', chunks: [chunk({ content: 'a' })], raw: `${c1}: ping\n\n` },
      { type: 'end' },
    ]);
    expect(body.destroyed).toBe(true); // the upstream is let go at [DONE]
    expect(await flow.next()).toEqual({ type: 'end' });
  });

  it('keeps events from separate reads as separate steps, and merges at most 64 events per step', async () => {
    const body = new FakeBody();
    const upstream = new UpstreamStream(body[Symbol.asyncIterator]() as AsyncIterator<Buffer>, (e) => body.destroy(e), {
      firstEventMs: 60_000,
      maxEventBytes: 1024 * 1024,
      signal: new AbortController().signal,
    });
    const flow = new StreamAnswerFlow(upstream, tagging('T', []));
    body.write(sseEvent(chunk({ content: 'a' })));
    expect(texts([await flow.next()])).toEqual(['aT']); // nothing else buffered: no waiting for more
    body.end(Array.from({ length: 70 }, (_, i) => sseEvent(chunk({ content: `${i}` }))).join('') + sseEvent('[DONE]'));
    const rest = await drain(flow);
    expect(rest.map((s) => (s.type === 'out' ? s.chunks.length : s.type))).toEqual([64, 6, 'end']);
    expect(texts(rest).join('|')).toBe(Array.from({ length: 70 }, (_, i) => `${i}T`).join('|') + '|end');
  });

  it('skips what a transform holds, drops comments, and flushes the held chunks at [DONE]', async () => {
    const log: string[] = [];
    const { flow } = flowOver(
      sseEvent(chunk({ content: 'a' })) + ': ping\n\n' + sseEvent(chunk({ content: 'b' })) + sseEvent('[DONE]'),
      tagging('H', log, { hold: true }),
    );
    const out = await drain(flow);
    expect(texts(out)).toEqual(['aH|bH', 'end']);
    expect(out[0]).not.toHaveProperty('raw'); // rewritten chunks are serialized again
    expect(log).toEqual(['H.chunk(a)', 'H.chunk(b)', 'H.end']);
  });

  it('ends with a reset failure when the body ends before [DONE], and the end hook never runs', async () => {
    const log: string[] = [];
    const { flow } = flowOver(sseEvent(chunk({ content: 'a' })), tagging('T', log));
    expect(await drain(flow)).toEqual([
      { type: 'out', chunks: [withContent(chunk({ content: 'a' }), 'aT')] },
      { type: 'fail', kind: 'reset', message: 'upstream closed the stream before [DONE]' },
    ]);
    expect(log).toEqual(['T.chunk(a)']);
  });

  it('turns vLLM’s in-stream error into a failure carrying its body', async () => {
    const event = { error: { message: 'engine dead', type: 'InternalServerError', code: 500 } };
    const { flow } = flowOver(sseEvent(event) + sseEvent('[DONE]'), null);
    expect(await drain(flow)).toEqual([{ type: 'fail', kind: 'upstream_error', message: 'engine dead', error: event }]);
  });

  it('turns a reader failure into a failure step of its kind', async () => {
    const { flow } = flowOver(sseEvent({ object: 'nope' }), null);
    expect(await drain(flow)).toEqual([
      { type: 'fail', kind: 'bad_response', message: 'upstream sent a stream event that is not a completion chunk' },
    ]);
  });

  it('lets a transform’s refusal out of next() as its GatewayError', async () => {
    const refuse: AnswerTransform = {
      chunk: () => {
        throw new GatewayError(422, 'no');
      },
      end: () => [],
    };
    const { flow } = flowOver(sseEvent(chunk({ content: 'a' })) + sseEvent('[DONE]'), refuse);
    await expect(flow.next()).rejects.toMatchObject({ status: 422, message: 'no' });
  });

  it('close() ends the flow and releases the upstream body', async () => {
    const { body, flow } = flowOver(null, null);
    body.write(sseEvent(chunk({ content: 'a' })));
    expect((await flow.next()).type).toBe('out');
    flow.close();
    expect(await flow.next()).toEqual({ type: 'end' });
    await new Promise((r) => setImmediate(r));
    expect(body.destroyed).toBe(true);
  });
});

describe('composeTransforms', () => {
  it('is null for no transforms and the transform itself for one', () => {
    const t = tagging('A', []);
    expect(composeTransforms([])).toBeNull();
    expect(composeTransforms([t])).toBe(t);
  });

  it('runs chunks through the transforms in order, each one’s output the next one’s input', async () => {
    const log: string[] = [];
    const split: AnswerTransform = {
      chunk: (c) => (log.push(`S.chunk(${content(c)})`), [...content(c)].map((ch) => withContent(c, ch))),
      end: () => [],
    };
    const t = composeTransforms([split, tagging('A', log), tagging('B', log)])!;
    expect((await t.chunk(chunk({ content: 'xy' }))).map(content)).toEqual(['xAB', 'yAB']);
    expect(log).toEqual(['S.chunk(xy)', 'A.chunk(x)', 'A.chunk(y)', 'B.chunk(xA)', 'B.chunk(yA)']);
  });

  it('stops a held chunk where it is held: later transforms see nothing', async () => {
    const log: string[] = [];
    const t = composeTransforms([tagging('A', log, { hold: true }), tagging('B', log)])!;
    expect(await t.chunk(chunk({ content: 'x' }))).toEqual([]);
    expect(log).toEqual(['A.chunk(x)']);
  });

  it('ends each transform in order, its flush passing through the ones after it before they end', async () => {
    const log: string[] = [];
    const t = composeTransforms([
      tagging('A', log, { hold: true, tail: 'a-tail' }),
      tagging('B', log, { hold: true }),
      tagging('C', log, { tail: 'c-tail' }),
    ])!;
    await t.chunk(chunk({ content: 'x' }));
    log.length = 0;
    expect((await t.end()).map(content)).toEqual(['xABC', 'a-tailBC', 'c-tail']);
    expect(log).toEqual([
      'A.end',
      'B.chunk(xA)',
      'B.chunk(a-tail)',
      'B.end',
      'C.chunk(xAB)',
      'C.chunk(a-tailB)',
      'C.end',
    ]);
  });
});

describe('transformWhole', () => {
  it('returns the completion itself when there is no transform, after checking its shape', async () => {
    const json = completion({ content: 'hi' });
    expect(await transformWhole(json, null)).toBe(json);
    await expect(transformWhole({ choices: [{ message: 'hi' }] }, null)).rejects.toBeInstanceOf(BadUpstreamAnswer);
  });

  it('gives a whole answer the same text a stream of the same content gets through the same transform', async () => {
    const make = () => composeTransforms([tagging('A', [], { hold: true, tail: '!' }), tagging('B', [])])!;
    const whole = await transformWhole(completion({ content: 'hello' }), make());
    const { flow } = flowOver(
      sseEvent(chunk({ role: 'assistant', content: 'hello' }, 'stop')) + sseEvent('[DONE]'),
      make(),
    );
    const streamed = texts(await drain(flow));
    expect(streamed).toEqual(['helloAB|!B', 'end']);
    expect((whole.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe('helloAB!B');
    expect(whole.usage).toEqual(completion({}).usage);
  });
});
