// Exchange.upstreamPayload (api/exchange.ts): the bytes an upstream receives — the client's own,
// the client's own with upstream-only members appended, or the body serialized again.
import { describe, expect, it } from 'vitest';
import { Exchange } from '../../src/api/exchange.js';

const exchangeOf = (raw: string) => {
  const body = JSON.parse(raw) as Record<string, unknown>;
  return new Exchange({
    id: 'r1',
    endpoint: 'chat',
    role: 'primary',
    receivedAt: 0,
    body,
    model: 'm',
    stream: false,
    tools: null,
    headers: {},
  });
};
const text = (p: string | Buffer) => (typeof p === 'string' ? p : p.toString('utf8'));

describe('Exchange.upstreamPayload', () => {
  const raw = '{ "model": "m", "messages": [{"role": "user", "content": "naïve {}"}], "tools": [] }\n';

  it('sends the client’s own bytes when nothing changed', () => {
    const ex = exchangeOf(raw);
    expect(ex.upstreamPayload(Buffer.from(raw))).toEqual(Buffer.from(raw));
  });

  it('appends upstream-only fields the body lacks to the client’s bytes, unchanged otherwise', () => {
    const ex = exchangeOf(raw);
    ex.setUpstreamField('tool_choice', 'none');
    ex.setUpstreamField('structured_outputs', { json: { type: 'array' } });
    ex.setUpstreamField('skipped', undefined);
    const out = text(ex.upstreamPayload(Buffer.from(raw)));
    expect(out.startsWith(raw.slice(0, raw.lastIndexOf('}')))).toBe(true);
    expect(JSON.parse(out)).toEqual({
      ...JSON.parse(raw),
      tool_choice: 'none',
      structured_outputs: { json: { type: 'array' } },
    });
    expect(ex.body).toEqual(JSON.parse(raw)); // the client's body (shadow, capture) does not see them
  });

  it('serializes again when the body already has the field, or a plugin changed the body', () => {
    const withChoice = exchangeOf('{"model":"m","messages":[],"tool_choice":"auto"}');
    withChoice.setUpstreamField('tool_choice', 'none');
    expect(JSON.parse(text(withChoice.upstreamPayload('{"model":"m","messages":[],"tool_choice":"auto"}')))).toEqual({
      model: 'm',
      messages: [],
      tool_choice: 'none',
    });
    const edited = exchangeOf(raw);
    edited.setBodyField('model', 'upstream-m');
    edited.setUpstreamField('tool_choice', 'none');
    expect(JSON.parse(text(edited.upstreamPayload(raw)))).toMatchObject({ model: 'upstream-m', tool_choice: 'none' });
  });

  it('appends to an empty object without a comma', () => {
    const ex = exchangeOf('{}');
    ex.setUpstreamField('tool_choice', 'none');
    expect(JSON.parse(text(ex.upstreamPayload('{ }')))).toEqual({ tool_choice: 'none' });
  });
});
