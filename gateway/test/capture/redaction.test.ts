// Capture redaction under hostile input and for the gateway's own secrets (issue 18 findings 6
// and 10): linear time whatever a record holds, configured API keys found by exact value
// whatever their shape, session ids stored as pseudonyms.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCaptureConfig } from '../../src/capture/config.js';
import { KEY_MARK, createRedactor, sessionPseudonym } from '../../src/capture/redact.js';
import { KnownSecrets } from '../../src/state/known-secrets.js';
import { loadApiKeys } from '../../src/state/api-keys.js';
import { BASE_MODEL, FAST, RAW, chat, readJsonl, startPools, tempDir, type PoolStack } from '../experiments/helpers.js';
import { toolCallRecord } from './helpers.js';

const defaults = () => resolveCaptureConfig({}).redact;

describe('redaction is linear (finding 6)', () => {
  it('a 1 MB run of e-mail local-part characters redacts in one pass (was quadratic: minutes)', () => {
    const redact = createRedactor(defaults());
    const run = 'a.b_c%d+e-f'.repeat(100_000); // 1.1 M characters of [A-Za-z0-9._%+-], no '@'
    const rec = toolCallRecord({ messages: [{ role: 'user', content: run }], rawOutput: `${run}@` });
    const out = redact(rec);
    expect(out.messages[0]!.content).toBe(run);
    expect(out.rawOutput).toBe(`${run}@`);
  });

  it.each([
    ['a local-part run, then @ with no domain', 'a.b_c%d+e-f'.repeat(100_000) + '@'],
    ['@ then labels without a TLD', 'a@' + 'b.'.repeat(500_000) + '1'],
    ['many @ in a row', 'x@y.'.repeat(250_000)],
    ['key prefixes without a key', 'sk-'.repeat(300_000)],
    ['Bearer then a long gap', 'Bearer ' + ' '.repeat(1_000_000) + 'x'],
    ['assignment names without values', 'token: '.repeat(150_000)],
    ['assignment name then whitespace', 'api_key' + ' \t'.repeat(500_000)],
  ])('1 MB of hostile text for the built-in patterns (%s) redacts in linear time', (_name, text) => {
    const redact = createRedactor(defaults());
    const out = redact({ content: text }).content;
    expect(typeof out).toBe('string');
  });

  it('still finds what it should, next to hostile runs', () => {
    const redact = createRedactor({ ...defaults(), patterns: ['ACCT-\\d{6}'] });
    const text = `${'x'.repeat(100_000)} jane.doe@example.com ${'1'.repeat(50_000)} api_key=abcdefgh12345678 ACCT-123456 sk-proj-abcdefghijklmnop1234`;
    const out = redact(toolCallRecord({ messages: [{ role: 'user', content: text }] })).messages[0]!.content as string;
    expect(out).toContain(' [REDACTED_EMAIL] ');
    expect(out).toContain('api_key=[REDACTED_KEY]');
    expect(out).toContain(' [REDACTED] [REDACTED_KEY]');
    expect(out).not.toMatch(/jane|abcdefgh1234|ACCT-1|sk-proj/);
  });

  it('custom patterns run on RE2: a backtracking one is linear, one RE2 cannot express fails at start-up', () => {
    const redact = createRedactor({ ...defaults(), patterns: ['(a+)+b', '(x|xx)+y'] });
    const hostile = `${'a'.repeat(100_000)}! ${'x'.repeat(100_000)}y`;
    expect(redact({ content: hostile }).content).toBe(`${'a'.repeat(100_000)}! [REDACTED]`);
    expect(() => createRedactor({ ...defaults(), patterns: ['(?<=x)y'] })).toThrow(
      /capture\.redact\.patterns: invalid regular expression "\(\?<=x\)y": .*not supported/,
    );
  });

  it('keeps __proto__ keys of captured arguments as data', () => {
    const redact = createRedactor(defaults());
    const out = redact(
      JSON.parse('{"calls":[{"name":"f","arguments":{"__proto__":{"to":"a@b.io"}}}]}') as {
        calls: { arguments: Record<string, unknown> }[];
      },
    );
    expect(JSON.stringify(out)).toBe('{"calls":[{"name":"f","arguments":{"__proto__":{"to":"[REDACTED_EMAIL]"}}}]}');
  });
});

describe('known secrets: exact values, any shape (finding 10)', () => {
  it('finds every occurrence in linear passes and confirms by SHA-256', () => {
    const s = new KnownSecrets();
    for (const k of ['k7Qz!pL2$wR9', 'tenant-a:9f8e', 'Z']) s.add(k);
    const text = `pre k7Qz!pL2$wR9 mid "tenant-a:9f8e", k7Qz!pL2$wR8 k7Qz!pL2$wR9k7Qz!pL2$wR9 Zebra`;
    const spans = s.find(text);
    expect(spans.map(([a, b]) => text.slice(a, b))).toEqual([
      'k7Qz!pL2$wR9',
      'tenant-a:9f8e',
      'k7Qz!pL2$wR9k7Qz!pL2$wR9',
      'Z',
    ]);
    expect(s.redact(text, '#')).toBe('pre # mid "#", k7Qz!pL2$wR8 # #ebra');
    expect(s.find('x'.repeat(1_000_000))).toEqual([]);
  });

  it('plain-text keys are known from start-up, sha256: keys once a client presents them', () => {
    const hashed = `sha256:${createHash('sha256').update('Hashed~Key.42').digest('hex')}`;
    const store = loadApiKeys({ apiKeysEnv: 'KEYS' }, { KEYS: `Plain/Key=1,${hashed}` });
    expect(store.secrets.redact('Plain/Key=1 Hashed~Key.42', '#')).toBe('# Hashed~Key.42');
    expect(store.verify('wrong')).toBeNull();
    expect(store.verify('Hashed~Key.42')).not.toBeNull();
    expect(store.secrets.redact('Plain/Key=1 Hashed~Key.42', '#')).toBe('# #');
  });
});

describe('through the gateway: keys and session ids never reach capture files (findings 6, 10)', () => {
  const KEY = 'tg_9Xy!q7#notcomment'.replace('#', '%'); // no well-known shape; '#' would start a comment in the key list
  let s: PoolStack;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir('toolgate-redaction-e2e-');
    process.env.TOOLGATE_TEST_REDACT_KEYS = KEY;
    s = await startPools(
      { main: FAST },
      { capture: { dir: tmp.dir, sampleValid: 0 }, auth: { apiKeysEnv: 'TOOLGATE_TEST_REDACT_KEYS' } },
    );
  });
  afterAll(async () => {
    delete process.env.TOOLGATE_TEST_REDACT_KEYS;
    await s?.close();
    await tmp?.remove();
  });

  it('the key in message text, tool arguments and x-session-id is redacted; the session is a pseudonym', async () => {
    const raw = `<tool_call>\n{"name": "get_weather", "arguments": {"note": "use ${KEY}"}}\n</tool_call>`;
    const res = await chat(s.url, {
      model: BASE_MODEL,
      headers: { authorization: `Bearer ${KEY}`, 'x-session-id': KEY },
      content: `my key is ${KEY}, weather in Paris? ${'abcdefghij'.repeat(10_000)}`, // the probe's 100k-character run
      body: { sim_script: { raw, parser: 'none' } },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    await res.arrayBuffer();
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    await s.gateway.capture.flush();
    const recs = await readJsonl(tmp.dir);
    expect(recs).toHaveLength(1);
    const text = JSON.stringify(recs[0]);
    expect(text.includes(KEY), 'the key is still in the record').toBe(false);
    expect(text.includes(KEY_MARK)).toBe(true);
    expect(recs[0]!.conversationId).toBe(sessionPseudonym(KEY));
    expect(recs[0]!.rawOutput).toContain(`"note": "use ${KEY_MARK}"`);
  });

  it('an unauthenticated request is refused before anything is captured', async () => {
    const res = await chat(s.url, { model: BASE_MODEL, body: { sim_script: { raw: RAW.invalid, parser: 'none' } } });
    expect(res.status).toBe(401);
  });
});
