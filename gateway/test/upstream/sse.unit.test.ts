// SSE framing (upstream/sse.ts) as a property: whatever the read boundaries and line endings, the
// splitter hands out the events a whole-text reading finds, each with its exact text and its
// `data:` payload. Streams that only ever use LF take a shorter path than those with CR; both
// are checked against the same reference, and a stream whose first CR arrives late switches over.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseSplitter } from '../../src/upstream/sse.js';

const LINE = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', '{', '"', 'ü', '😀', ':') }).map((v) => `data: ${v}`),
  fc.string({ unit: fc.constantFrom('x', ' ', ':') }).map((v) => `data:${v}`),
  fc.constant('data:'),
  fc.constant(': keep-alive comment'),
  fc.constant('event: message'),
  fc.constant('id: 7'),
);

/** A stream as the splitter's reference reads it: events of lines, each line ended by LF, CRLF or CR. */
const STREAM = fc
  .record({
    events: fc.array(fc.array(LINE, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
    eols: fc.array(fc.constantFrom('\n', '\n', '\r\n', '\r'), { minLength: 6, maxLength: 6 }),
    lfOnly: fc.boolean(),
  })
  .map(({ events, eols, lfOnly }) =>
    events.map((lines, i) => {
      // Line ends may differ line by line (the spec allows it); the blank line repeats the last one.
      const eolOf = (j: number) => (lfOnly ? '\n' : eols[(i + j) % eols.length]!);
      const raw = lines.map((l, j) => l + eolOf(j)).join('') + eolOf(lines.length - 1);
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
      return { raw, data: data.length > 0 ? data.join('\n') : null };
    }),
  );

describe('SseSplitter', () => {
  it('frames any stream the same whatever the read boundaries, with LF-only and with CR line ends', () => {
    fc.assert(
      fc.property(STREAM, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }), (events, cuts) => {
        const bytes = Buffer.from(events.map((e) => e.raw).join(''));
        const splitter = new SseSplitter();
        const got = [];
        for (let at = 0, k = 0; at < bytes.length; k++) {
          const n = cuts[k % cuts.length]!;
          got.push(...splitter.push(bytes.subarray(at, at + n)));
          at += n;
        }
        expect(got).toEqual(events);
        expect(splitter.pending).toBe('');
      }),
      { numRuns: 500 },
    );
  });

  it('switches to CR-aware framing when the first CR arrives after LF-only events', () => {
    const splitter = new SseSplitter();
    expect(splitter.push(Buffer.from('data: a\n\ndata: b\n'))).toEqual([{ raw: 'data: a\n\n', data: 'a' }]);
    expect(splitter.push(Buffer.from('\ndata: c\r\n\r\ndata: d\r\rdata: e\n\n'))).toEqual([
      { raw: 'data: b\n\n', data: 'b' },
      { raw: 'data: c\r\n\r\n', data: 'c' },
      { raw: 'data: d\r\r', data: 'd' },
      { raw: 'data: e\n\n', data: 'e' },
    ]);
  });
});
