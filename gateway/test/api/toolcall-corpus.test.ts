// Every corpus case that a model can emit as text goes through the gateway (simulator sim_script,
// parser none, policy repair), non-streaming and streaming, and must give the library's expected
// verdict and what the client is promised: the calls, the remaining content, and — when a call is
// invalid — the model's text for it instead of an emptied answer. Streamed and whole answers to
// the same output must be identical.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkToolCalls } from '../../src/toolcalls/index.js';
import { REPO_ROOT } from '../helpers/net.js';
import { assembleStream, wholeMessage, type ClientView } from '../helpers/messages.js';
import { startStack, type Stack } from '../helpers/stack.js';

interface Case {
  id: string;
  tools: unknown[];
  tool_choice?: unknown;
  output: {
    content?: string | null;
    tool_calls?: unknown;
    reasoning_content?: string | null;
    reasoning?: string | null;
  };
  expected: { outcome: string; calls: { name: string; arguments: Record<string, unknown> }[]; content?: string | null };
}

const corpus: Case[] = readFileSync(path.join(REPO_ROOT, 'gateway/test/fixtures/toolcall-corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Case);
// Parsed tool_calls and separate reasoning cannot be scripted as raw model text; the library test covers them.
const textCases = corpus.filter(
  (c) =>
    !c.output.tool_calls && !c.output.reasoning_content && !c.output.reasoning && typeof c.output.content === 'string',
);

const MODEL = 'Qwen/Qwen3-0.6B';
const norm = (s: string | null | undefined) => (s ?? '').trim() || null;
const callsOf = (v: ClientView) =>
  v.toolCalls.map((t) => ({ name: t.name, arguments: JSON.parse(t.arguments) as Record<string, unknown> }));

/** What the client must see for a case, beyond the verdict. */
function problems(c: Case, v: ClientView): string[] {
  const out: string[] = [];
  if (v.annotation?.outcome !== c.expected.outcome)
    out.push(`outcome ${v.annotation?.outcome} ≠ ${c.expected.outcome}`);
  const report = checkToolCalls(c.tools, c.output as never, { toolChoice: c.tool_choice });
  // An invalid message still delivers the calls that are valid in it.
  const expectedCalls =
    c.expected.outcome === 'invalid'
      ? report.calls.filter((k) => k.valid).map((k) => ({ name: k.name, arguments: k.arguments }))
      : c.expected.calls;
  if (JSON.stringify(callsOf(v)) !== JSON.stringify(expectedCalls))
    out.push(`calls ${JSON.stringify(callsOf(v))} ≠ ${JSON.stringify(expectedCalls)}`);
  const content = v.content ?? '';
  if (c.expected.outcome === 'invalid') {
    // Never silent: the text of every invalid call the model wrote outside <think> reaches the client.
    for (const k of report.calls.filter((x) => !x.valid && !x.fromThink)) {
      if (!content.includes(k.raw.trim())) out.push(`invalid call text missing from content: ${JSON.stringify(k.raw)}`);
    }
    if (norm(content) === null && norm(c.output.content) !== null) out.push('an invalid answer came back empty');
  } else {
    if ('content' in c.expected && norm(content) !== norm(c.expected.content))
      out.push(`content ${JSON.stringify(v.content)} ≠ ${JSON.stringify(c.expected.content)}`);
    if (content.includes('<tool_call>') || content.includes('</tool_call>'))
      out.push('raw tool-call markup leaked into content');
  }
  return out;
}

describe('tool-call corpus through the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([{ pods: 1, profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 } }]);
  });
  afterAll(async () => stack?.close());

  const send = (c: Case, stream: boolean) =>
    fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-toolgate-policy': 'repair' },
      body: JSON.stringify({
        model: MODEL,
        stream,
        messages: [{ role: 'user', content: `case ${c.id}` }],
        tools: c.tools,
        ...(c.tool_choice !== undefined ? { tool_choice: c.tool_choice } : {}),
        sim_script: { raw: c.output.content, parser: 'none' },
      }),
    });

  it('has enough scriptable cases', () => {
    expect(textCases.length).toBeGreaterThanOrEqual(150);
  });

  it('every case gives its expected result, streamed and whole, and the two are identical', async () => {
    const failures: string[] = [];
    for (const c of textCases) {
      const whole = await send(c, false);
      const wv = wholeMessage(await whole.json());
      if (whole.headers.get('x-toolgate-toolcalls') !== wv.annotation?.outcome)
        failures.push(
          `${c.id}: header ${whole.headers.get('x-toolgate-toolcalls')} ≠ annotation ${wv.annotation?.outcome}`,
        );
      const sv = assembleStream(await (await send(c, true)).text());
      for (const [mode, v] of [
        ['whole', wv],
        ['stream', sv],
      ] as const) {
        const p = problems(c, v);
        if (p.length) failures.push(`${c.id} (${mode}): ${p.join('; ')}`);
      }
      const parity = (v: ClientView) =>
        JSON.stringify({
          content: v.content,
          calls: callsOf(v),
          finish: v.finishReason,
          outcome: v.annotation?.outcome,
          repairs: v.annotation?.repairs,
        });
      if (parity(wv) !== parity(sv))
        failures.push(`${c.id}: stream ≠ whole\n  whole  ${parity(wv)}\n  stream ${parity(sv)}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
