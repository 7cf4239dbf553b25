// The simulator against vLLM 0.33 itself: loadtest/fidelity/fixtures/vllm-0.33.jsonl holds what
// vLLM's own serving code answered (whole and streamed, chunk by chunk) for every raw text of the
// tool-call corpus under several server flags and tool choices (`make vllm-fixtures` regenerates
// it from the vLLM wheel). Every run is replayed through the simulator's answer path, and one case of
// each corpus mode over HTTP against pods started with the same flags; the answers must be
// identical, tool-call ids, timestamps and prompt_tokens aside.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionBody, chatStreamChunks } from '../../src/sim/chat-response.js';
import { resolveFaultProfile } from '../../src/sim/faults.js';
import { startSim, type SimCluster } from '../../src/sim/index.js';
import { parseChatRequest } from '../../src/sim/request-parse.js';
import { planResponse, type PodBehaviour } from '../../src/sim/response-plan.js';
import { tokenPieces } from '../../src/sim/tokenizer.js';
import { SimHttpError } from '../../src/sim/vllm-errors.js';
import { postJson, sseEvents } from './helpers.js';

const FIXTURES = new URL('../../fidelity/fixtures/vllm-0.33.jsonl', import.meta.url);
const CORPUS = new URL('../../../gateway/test/fixtures/toolcall-corpus.jsonl', import.meta.url);

interface Run {
  variant: string;
  finish: 'stop' | 'length';
  request: Record<string, unknown>;
  whole: {
    message?: Record<string, unknown>;
    finish_reason?: string;
    usage?: Record<string, unknown>;
    error?: { status: number; message: string };
  };
  stream: {
    deltas?: number;
    final?: { delta: unknown; finish_reason: string };
    usage?: Record<string, unknown>;
    error?: { status: number; message: string };
  };
}
interface CaseLine {
  case: string;
  text: string;
  tools: string[];
  /** The tokens vLLM was fed: the simulator's own cut of `text` when the fixtures were made. */
  pieces: string[];
  sequences: unknown[][];
  runs: Run[];
}
interface Header {
  vllm: string;
  runs: number;
  variants: Record<string, { server: { tool_parser: string | null; reasoning_parser: string | null } }>;
  envelopes: Record<string, Record<string, unknown> & { choices: Array<Record<string, unknown>> }>;
}

const [headerLine, ...caseLines] = readFileSync(FIXTURES, 'utf8').trim().split('\n');
const header = JSON.parse(headerLine!) as Header;
const cases = caseLines.map((l) => JSON.parse(l) as CaseLine);

/** Replaces tool-call ids (random in vLLM too) after checking their shape. */
function normaliseIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normaliseIds);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        if (k === 'id' && typeof x === 'string')
          return [k, /^chatcmpl-tool-[0-9a-f]+$/.test(x) ? '<id>' : `bad tool-call id ${x}`];
        return [k, normaliseIds(x)];
      }),
    );
  }
  return v;
}

/** A chunk minus what legitimately differs (id, created, model), with its delta and finish split out. */
function envelope(chunk: Record<string, any>) {
  const { id, created, model, object, ...rest } = chunk;
  rest.meta = [typeof id, typeof created, model, object];
  const choice = { ...rest.choices[0] };
  const delta = choice.delta;
  const finish = choice.finish_reason;
  delete choice.delta;
  delete choice.finish_reason;
  return { rest: { ...rest, choices: [choice] }, delta: normaliseIds(delta), finish };
}

function withoutFinish(env: Header['envelopes'][string]) {
  const choice = { ...env.choices[0] };
  delete choice.finish_reason;
  return { ...env, choices: [choice] };
}

const SERVERS = new Map(Object.values(header.variants).map((v) => [JSON.stringify(v.server), v.server]));
const serverOf = (run: Run) => header.variants[run.variant]!.server;
const podBehaviour = (server: Header['variants'][string]['server']): PodBehaviour => ({
  seed: 0,
  maxModelLen: 40960,
  parser: server.tool_parser === 'hermes' ? 'hermes' : 'none',
  reasoningParser: server.reasoning_parser === 'qwen3' ? 'qwen3' : null,
  faults: resolveFaultProfile('none'),
});

/** The request a fixture run stands for: the case's raw text scripted as the model's output. */
function requestBody(c: CaseLine, run: Run, stream: boolean) {
  return {
    model: 'Qwen/Qwen3-0.6B',
    messages: [{ role: 'user', content: 'Please help.' }],
    tools: c.tools.map((name) => ({
      type: 'function',
      function: { name, parameters: { type: 'object', properties: {} } },
    })),
    ...run.request,
    ...(run.finish === 'length' ? { max_tokens: tokenPieces(c.text).length } : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    sim_script: { raw: c.text },
  };
}

function checkWhole(label: string, status: number, w: Record<string, any>, run: Run): void {
  if (run.whole.error) {
    expect([status, w.error.message], label).toEqual([run.whole.error.status, run.whole.error.message]);
    return;
  }
  const { id, created, model, choices, usage, ...rest } = w;
  const { message, finish_reason, ...choiceRest } = choices[0];
  const { refusal, annotations, audio, function_call, ...msg } = message;
  const { prompt_tokens, total_tokens, ...u } = usage;
  expect(
    {
      status,
      meta: [typeof id, typeof created, model],
      envelope: { ...rest, choices: [choiceRest] },
      messageEnvelope: { refusal, annotations, audio, function_call },
      message: normaliseIds(msg),
      finish_reason,
      usage: u,
      total: total_tokens - prompt_tokens,
    },
    label,
  ).toEqual({
    status: 200,
    meta: ['string', 'number', 'Qwen/Qwen3-0.6B'],
    envelope: header.envelopes.whole,
    messageEnvelope: header.envelopes['whole.message'],
    message: run.whole.message,
    finish_reason: run.whole.finish_reason,
    usage: run.whole.usage,
    total: run.whole.usage!.completion_tokens,
  });
}

/** `chunks`: the data events before [DONE]. */
function checkStream(label: string, c: CaseLine, chunks: Array<Record<string, any>>, run: Run): void {
  const usageChunk = chunks.at(-1)!;
  const [role, ...rest] = chunks.slice(0, -1).map(envelope);
  const final = rest.pop()!;
  // One comparison per stream (thousands of runs): envelopes, then deltas, then the final chunk.
  const meta = ['string', 'number', 'Qwen/Qwen3-0.6B', 'chat.completion.chunk'];
  const env = (kind: string) => ({ ...withoutFinish(header.envelopes[kind]!), meta });
  expect([role!.rest, ...rest.map((ch) => ch.rest), final.rest], `${label} chunk envelopes`).toEqual([
    env('stream.role'),
    ...rest.map(() => env('stream.delta')),
    env('stream.final'),
  ]);
  expect([role!.delta, role!.finish, ...rest.map((ch) => ch.finish)], `${label} role chunk`).toEqual([
    { role: 'assistant', content: '' },
    null,
    ...rest.map(() => null),
  ]);
  expect(
    rest.map((ch) => ch.delta),
    `${label} deltas`,
  ).toEqual(c.sequences[run.stream.deltas!]);
  expect({ delta: final.delta, finish_reason: final.finish }, `${label} final chunk`).toEqual(run.stream.final);
  const { id, created, model, object, usage, ...usageRest } = usageChunk;
  expect([typeof id, typeof created, model, object]).toEqual([
    'string',
    'number',
    'Qwen/Qwen3-0.6B',
    'chat.completion.chunk',
  ]);
  expect(usageRest, label).toEqual(header.envelopes['stream.usage']);
  const { prompt_tokens, total_tokens, ...u } = usage;
  expect(total_tokens).toBe((prompt_tokens as number) + (u.completion_tokens as number));
  expect(u, `${label} usage`).toEqual(run.stream.usage);
}

/** The simulator's answer path without HTTP: request parsing, plan and body builders, as the pod runs them. */
function answerInProcess(
  c: CaseLine,
  run: Run,
  stream: boolean,
): { status: number; body: Record<string, any>; chunks?: Array<Record<string, any>> } {
  const meta = { id: 'chatcmpl-0', created: 0, model: 'Qwen/Qwen3-0.6B' };
  const makeId = (i: number) => `chatcmpl-tool-${i.toString(16).padStart(8, '0')}`;
  let plan;
  try {
    plan = planResponse(parseChatRequest(requestBody(c, run, stream)), podBehaviour(serverOf(run)));
  } catch (err) {
    if (err instanceof SimHttpError) return { status: err.status, body: err.toBody() };
    throw err;
  }
  if (!stream) return { status: 200, body: chatCompletionBody(plan, meta, makeId) };
  const s = chatStreamChunks(plan, meta, makeId, false);
  return {
    status: 200,
    body: {},
    chunks: [s.role, ...s.steps.filter((x) => x !== null), s.usage] as Array<Record<string, any>>,
  };
}

describe(`simulator = vLLM ${header.vllm} (${cases.length} corpus texts)`, () => {
  it('cuts every fixture text into the tokens vLLM was fed', () => {
    for (const c of cases) expect(tokenPieces(c.text), c.case).toEqual(c.pieces);
  });

  it('covers every raw text of the tool-call corpus (else: make vllm-fixtures)', () => {
    const corpus = readFileSync(CORPUS, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; output: { content?: string | null } });
    const recorded = new Map(cases.map((c) => [c.case, c.text]));
    const missing = corpus.filter((c) => c.output.content && recorded.get(c.id) !== c.output.content).map((c) => c.id);
    expect(missing, 'corpus cases without (or with stale) vLLM fixtures').toEqual([]);
  });

  it('has every run of the fixture file', () => {
    expect(cases.reduce((n, c) => n + c.runs.length, 0)).toBe(header.runs);
  });

  // Every run through the simulator's answer path in process (what a pod runs for a request).
  describe('answer path', () => {
    it.for(cases.map((c) => [c.case, c] as const))('%s', ([, c]) => {
      for (const run of c.runs) {
        const label = `${c.case} [${run.variant}, ${run.finish}]`;
        const whole = answerInProcess(c, run, false);
        checkWhole(label, whole.status, whole.body, run);
        const streamed = answerInProcess(c, run, true);
        if (run.stream.error)
          expect([streamed.status, streamed.body.error.message], label).toEqual([
            run.stream.error.status,
            run.stream.error.message,
          ]);
        else checkStream(label, c, streamed.chunks!, run);
      }
    });
  });

  // Over HTTP, against pods started with each server's flags (transport, SSE framing, engine
  // steps): every run of one case per family of outputs; the answer path above covers the rest.
  describe('over HTTP', () => {
    const pods = new Map<string, SimCluster>();
    beforeAll(async () => {
      for (const [key, server] of SERVERS) {
        const b = podBehaviour(server);
        pods.set(
          key,
          await startSim({
            parser: b.parser,
            reasoningParser: b.reasoningParser,
            profile: { kind: 'fixed', ttftMs: 0, itlMs: 0 },
          }),
        );
      }
    });
    afterAll(async () => {
      await Promise.all([...pods.values()].map((p) => p.close()));
    });

    const OVER_HTTP = [
      'valid_tag-001',
      'valid_prose_before_tag-001',
      'valid_two_tags-001',
      'think_only-001',
      'think_duplicate-001',
      'think_unterminated_only-001',
      'truncated_in_value-001',
      'extra_closing_brace-001',
      'hermes_all_or_nothing-001',
      'python_call_in_tag-001',
      'prose_plain_answer-001',
      'edge-special-tokens-in-answer',
      'edge-truncated-after-name',
      'edge-astral-characters',
      'edge-truncated-partial-tag',
    ];
    const overHttp = cases.filter((c) => OVER_HTTP.includes(c.case));
    it('finds the cases it replays over HTTP', () =>
      expect(overHttp.map((c) => c.case).sort()).toEqual([...OVER_HTTP].sort()));
    it.concurrent.for(overHttp.map((c) => [c.case, c] as const))('%s', async ([, c]) => {
      await Promise.all(
        c.runs.map(async (run) => {
          const label = `${c.case} [${run.variant}, ${run.finish}] over HTTP`;
          const url = `${pods.get(JSON.stringify(serverOf(run)))!.urls[0]}/v1/chat/completions`;
          const whole = await postJson(url, requestBody(c, run, false));
          checkWhole(label, whole.status, (await whole.json()) as Record<string, any>, run);
          const streamed = await postJson(url, requestBody(c, run, true));
          if (run.stream.error) {
            expect([streamed.status, ((await streamed.json()) as any).error.message], label).toEqual([
              run.stream.error.status,
              run.stream.error.message,
            ]);
            return;
          }
          const events = sseEvents(await streamed.text()) as Array<Record<string, any>>;
          expect(events.at(-1), label).toBe('[DONE]');
          checkStream(label, c, events.slice(0, -1), run);
        }),
      );
    });
  });
});
