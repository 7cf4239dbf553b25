// `toolgate export`: every format matches its documented schema (ajv) and LLaMA-Factory's sharegpt
// rules; de-duplication and the holdout-by-conversation split behave; malformed input lines are
// skipped with a count and a clear message; the Redis Stream works as input.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  dpoRowJsonSchema,
  datasetInfoEntryJsonSchema,
  grpoRowJsonSchema,
  sftRowJsonSchema,
} from '../../src/capture/export/output-schemas.js';
import { runExport } from '../../src/capture/export/run-export.js';
import type { CaptureRecord, ToolCallRecord } from '../../src/capture/record.js';
import { spawnToolgate } from '../helpers/net.js';
import { startRedis } from '../helpers/redis.js';
import { pairRecord, toolCallRecord, weatherTool } from './helpers.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validSft = ajv.compile(sftRowJsonSchema);
const validDpo = ajv.compile(dpoRowJsonSchema);
const validGrpo = ajv.compile(grpoRowJsonSchema);
const validInfo = ajv.compile(datasetInfoEntryJsonSchema);

const tmp = (p: string) => mkdtemp(path.join(tmpdir(), p));
const readJsonl = async (f: string) =>
  (await readFile(f, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

type Turn = { from: string; value: string };
/** LLaMA-Factory's SharegptDatasetConverter + FunctionFormatter rules, restated. */
function assertLlamaFactoryLoads(row: Record<string, unknown>, ranking: boolean): void {
  const turns = row.conversations as Turn[];
  turns.forEach((t, i) => expect(i % 2 === 0 ? ['human', 'observation'] : ['gpt', 'function_call']).toContain(t.from));
  expect(turns.length % 2).toBe(ranking ? 1 : 0);
  const fnTurns = [...turns, ...(ranking ? [row.chosen as Turn, row.rejected as Turn] : [])].filter(
    (t) => t.from === 'function_call',
  );
  for (const t of fnTurns) {
    const parsed = JSON.parse(t.value) as unknown;
    for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
      expect(typeof (call as { name: unknown }).name).toBe('string');
      expect(typeof (call as { arguments: unknown }).arguments).toBe('object');
    }
  }
  const tools = JSON.parse(row.tools as string) as { name: string; parameters: unknown }[];
  for (const t of tools) expect(typeof t.name).toBe('string');
}

function corpus(): { records: CaptureRecord[]; ids: Record<string, string> } {
  const simple = toolCallRecord({ conversationId: 'c-simple' });
  const multiTurn = toolCallRecord({
    conversationId: 'c-multi',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: '{"t":20}' },
      { role: 'tool', tool_call_id: 'b', content: '{"t":25}' },
      { role: 'assistant', content: 'Paris 20, Rome 25.' },
      { role: 'user', content: 'And Oslo and Bergen?' },
    ],
    calls: [
      { name: 'get_weather', arguments: { city: 'Oslo' } },
      { name: 'get_weather', arguments: { city: 'Bergen' } },
    ],
  });
  const valid = toolCallRecord({
    outcome: 'valid',
    repairs: [],
    conversationId: 'c-valid',
    messages: [{ role: 'user', content: 'Weather in Lima?' }],
    calls: [{ name: 'get_weather', arguments: { city: 'Lima' } }],
  });
  const invalid = toolCallRecord({
    outcome: 'invalid',
    calls: null,
    errors: ['missing required argument city'],
    conversationId: 'c-invalid',
  });
  const image = toolCallRecord({
    conversationId: 'c-img',
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
  });
  const replayed = { ...simple }; // same id again (at-least-once delivery)
  const sameContent = { ...simple, id: 'other-id' }; // same training content under another id
  return {
    records: [simple, multiTurn, valid, invalid, image, replayed, sameContent, pairRecord({}, {}, true)],
    ids: { simple: simple.id, multiTurn: multiTurn.id, valid: valid.id },
  };
}

describe('export formats', () => {
  it('llamafactory-sft: sharegpt rows with tools and function_call turns; duplicates and unusable records counted', async () => {
    const out = await tmp('toolgate-export-sft-');
    const { records } = corpus();
    const s = await runExport(records, { format: 'llamafactory-sft', outDir: out, holdout: 0, seed: '0', name: 'tg' });
    expect(s).toMatchObject({ records: 8, shadowPairs: 1, duplicateIds: 1, duplicateContent: 1, train: 3, holdout: 0 });
    expect(s.skipped).toEqual({ 'no valid call (outcome invalid)': 1, 'non-text content part': 1 });
    const rows = await readJsonl(path.join(out, 'tg_sft_train.jsonl'));
    for (const r of rows) {
      expect(validSft(r), JSON.stringify(validSft.errors)).toBe(true);
      assertLlamaFactoryLoads(r, false);
    }
    expect(rows[0]).toEqual({
      conversations: [
        { from: 'human', value: 'Weather in Paris?' },
        { from: 'function_call', value: '{"name":"get_weather","arguments":{"city":"Paris"}}' },
      ],
      system: 'You are helpful.',
      tools: JSON.stringify([weatherTool.function]),
    });
    expect(rows[1]?.conversations).toEqual([
      { from: 'human', value: 'Weather in Paris and Rome?' },
      {
        from: 'function_call',
        value:
          '[{"name":"get_weather","arguments":{"city":"Paris"}},{"name":"get_weather","arguments":{"city":"Rome"}}]',
      },
      { from: 'observation', value: '{"t":20}\n</tool_response>\n<tool_response>\n{"t":25}' },
      { from: 'gpt', value: 'Paris 20, Rome 25.' },
      { from: 'human', value: 'And Oslo and Bergen?' },
      {
        from: 'function_call',
        value:
          '[{"name":"get_weather","arguments":{"city":"Oslo"}},{"name":"get_weather","arguments":{"city":"Bergen"}}]',
      },
    ]);
    expect(rows[2]?.system).toBeUndefined();
    const info = JSON.parse(await readFile(path.join(out, 'dataset_info.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(['tg_sft_holdout', 'tg_sft_train']);
    expect(info.tg_sft_train).toEqual({
      file_name: 'tg_sft_train.jsonl',
      formatting: 'sharegpt',
      columns: { messages: 'conversations', system: 'system', tools: 'tools' },
    });
    for (const e of Object.values(info)) expect(validInfo(e)).toBe(true);
  });

  it('llamafactory-dpo: chosen = repaired call, rejected = raw output; merges into an existing dataset_info.json', async () => {
    const out = await tmp('toolgate-export-dpo-');
    await writeFile(path.join(out, 'dataset_info.json'), JSON.stringify({ mine: { file_name: 'x.json' } }));
    const { records } = corpus();
    const s = await runExport(records, { format: 'llamafactory-dpo', outDir: out, holdout: 0, seed: '0', name: 'tg' });
    expect(s.train).toBe(2); // simple + multi-turn; the valid one has no rejected side
    expect(s.skipped['not repaired (no rejected output)']).toBe(1);
    const rows = await readJsonl(path.join(out, 'tg_dpo_train.jsonl'));
    for (const r of rows) {
      expect(validDpo(r), JSON.stringify(validDpo.errors)).toBe(true);
      assertLlamaFactoryLoads(r, true);
    }
    expect(rows[0]).toMatchObject({
      conversations: [{ from: 'human', value: 'Weather in Paris?' }],
      chosen: { from: 'function_call', value: '{"name":"get_weather","arguments":{"city":"Paris"}}' },
      rejected: { from: 'gpt', value: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris",}}\n' },
    });
    const info = JSON.parse(await readFile(path.join(out, 'dataset_info.json'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(info.mine).toEqual({ file_name: 'x.json' });
    expect(info.tg_dpo_train).toMatchObject({
      ranking: true,
      columns: { chosen: 'chosen', rejected: 'rejected', messages: 'conversations' },
    });
  });

  it('trl-grpo: prompt messages, tools and reference calls', async () => {
    const out = await tmp('toolgate-export-grpo-');
    const { records, ids } = corpus();
    const s = await runExport(records, { format: 'trl-grpo', outDir: out, holdout: 0, seed: '0', name: 'tg' });
    expect(s.files.datasetInfo).toBeNull();
    const rows = await readJsonl(path.join(out, 'tg_grpo_train.jsonl'));
    for (const r of rows) expect(validGrpo(r), JSON.stringify(validGrpo.errors)).toBe(true);
    expect(rows.map((r) => r.id)).toEqual([ids.simple, ids.multiTurn, ids.valid]);
    expect(s.skipped).toEqual({ 'no valid call (outcome invalid)': 1, 'non-text content part': 1 });
    const multi = rows[1] as {
      prompt: { role: string; content: string; tool_calls?: unknown }[];
      reference_calls: string;
      tools: string;
      conversation_id: string;
    };
    expect(multi.conversation_id).toBe('c-multi');
    expect(multi.prompt.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
      'user',
    ]);
    expect(multi.prompt[2]?.tool_calls).toEqual([
      { type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
    expect(JSON.parse(multi.reference_calls)).toEqual([
      { name: 'get_weather', arguments: { city: 'Oslo' } },
      { name: 'get_weather', arguments: { city: 'Bergen' } },
    ]);
    expect(JSON.parse(multi.tools)).toEqual([weatherTool]);
  });
});

describe('holdout split', () => {
  const manyConversations = () => {
    const recs: ToolCallRecord[] = [];
    for (let c = 0; c < 150; c++) {
      for (let turn = 0; turn < 3; turn++) {
        recs.push(
          toolCallRecord({
            messages: [
              { role: 'user', content: `conversation ${c} opening` },
              ...(turn > 0
                ? [
                    { role: 'assistant', content: `reply ${turn}` },
                    { role: 'user', content: `turn ${turn}` },
                  ]
                : []),
            ],
          }),
        );
      }
    }
    return recs;
  };

  it('keeps every conversation on one side, holds out about the asked share, and is reproducible per seed', async () => {
    const recs = manyConversations();
    const split = async (seed: string) => {
      const out = await tmp('toolgate-split-');
      await runExport(recs, { format: 'llamafactory-sft', outDir: out, holdout: 0.3, seed, name: 'tg' });
      const conv = (rows: Record<string, unknown>[]) => rows.map((r) => ((r.conversations as Turn[])[0] as Turn).value);
      return {
        train: conv(await readJsonl(path.join(out, 'tg_sft_train.jsonl'))),
        holdout: conv(await readJsonl(path.join(out, 'tg_sft_holdout.jsonl'))),
      };
    };
    const a = await split('a');
    expect(a.train.length + a.holdout.length).toBe(450);
    const trainSet = new Set(a.train);
    const holdSet = new Set(a.holdout);
    for (const c of holdSet) expect(trainSet.has(c)).toBe(false);
    expect(a.holdout.length % 3).toBe(0); // whole conversations only
    expect(holdSet.size / 150).toBeGreaterThan(0.18);
    expect(holdSet.size / 150).toBeLessThan(0.42);
    expect(await split('a')).toEqual(a);
    expect(new Set((await split('b')).holdout)).not.toEqual(holdSet);
  });
});

describe('toolgate export (CLI)', () => {
  it('skips malformed lines with a count and a clear message, and still exports the good ones', async () => {
    const dir = await tmp('toolgate-export-cli-');
    const out = path.join(dir, 'out');
    const good = toolCallRecord();
    await writeFile(
      path.join(dir, 'capture-a.jsonl'),
      ['{not json', JSON.stringify(good), JSON.stringify({ kind: 'tool_call', v: 1 }), '', '[1,2]'].join('\n') + '\n',
    );
    const child = spawnToolgate(['export', '--format', 'llamafactory-sft', '--in', dir, '--out', out]);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const output = child.output();
    expect(code, output).toBe(0);
    expect(output).toContain('skipped 3 malformed input line(s)');
    expect(output).toMatch(/capture-a\.jsonl:1: not JSON/);
    expect(output).toMatch(/capture-a\.jsonl:3: not a capture record \(kind tool_call\)/);
    expect(await readJsonl(path.join(out, 'toolgate_sft_train.jsonl'))).toHaveLength(1);
  });

  it('reads records without executions (older files) next to records with them; executable labels the rows', async () => {
    const dir = await tmp('toolgate-export-exec-');
    const old = toolCallRecord({ conversationId: 'c-old' });
    const ran = toolCallRecord({
      conversationId: 'c-ran',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      calls: [{ name: 'get_weather', arguments: { city: 'Rome' } }],
      executions: [
        { server: 'weather', name: 'get_weather', arguments: '{"city":"Paris"}', outcome: 'ok', error: null, ms: 12 },
      ],
      executable: true,
    });
    const failed = toolCallRecord({
      conversationId: 'c-failed',
      messages: [{ role: 'user', content: 'Weather in Atlantis?' }],
      calls: [{ name: 'get_weather', arguments: { city: 'Atlantis' } }],
      executions: [
        {
          server: 'weather',
          name: 'get_weather',
          arguments: '{"city":"Atlantis"}',
          outcome: 'tool_error',
          error: 'Unknown city',
          ms: 3,
        },
      ],
      executable: false,
    });
    await writeFile(
      path.join(dir, 'capture-a.jsonl'),
      [old, ran, failed].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    for (const format of ['llamafactory-sft', 'trl-grpo'] as const) {
      const out = path.join(dir, format);
      const child = spawnToolgate(['export', '--format', format, '--in', dir, '--out', out, '--holdout', '0']);
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code, child.output()).toBe(0);
      expect(child.output()).toContain('"malformed": 0');
      const rows = await readJsonl(path.join(out, `toolgate_${format === 'trl-grpo' ? 'grpo' : 'sft'}_train.jsonl`));
      if (format === 'llamafactory-sft') {
        expect(rows).toHaveLength(2); // the call that did not run is no SFT target
        continue;
      }
      for (const r of rows) expect(validGrpo(r), JSON.stringify(validGrpo.errors)).toBe(true);
      expect(rows.map((r) => [r.conversation_id, r.executable])).toEqual([
        ['c-old', undefined],
        ['c-ran', true],
        ['c-failed', false],
      ]);
    }
  });

  it('rejects bad flags with usage (exit 2) and a missing input with a message (exit 1)', async () => {
    const run = async (args: string[]) => {
      const c = spawnToolgate(['export', ...args]);
      const code = await new Promise<number | null>((r) => c.once('exit', r));
      return { code, out: c.output() };
    };
    const bad = await run(['--format', 'csv', '--out', '/tmp/x']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--format must be one of llamafactory-sft, llamafactory-dpo, trl-grpo');
    const missing = await run(['--format', 'trl-grpo', '--out', '/tmp/x', '--in', '/nonexistent/capture']);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('cannot read capture input /nonexistent/capture: no such file or directory');
  });

  it('reads a Redis Stream (--redis --stream)', async () => {
    const server = await startRedis();
    const admin = new Redis(server.url);
    try {
      const recs = [toolCallRecord(), toolCallRecord({ messages: [{ role: 'user', content: 'Other?' }] })];
      for (const r of recs) await admin.xadd('cap', '*', 'id', r.id, 'rec', JSON.stringify(r));
      await admin.xadd('cap', '*', 'id', 'junk', 'rec', '{"kind":"nope"}');
      const out = await tmp('toolgate-export-redis-');
      const c = spawnToolgate([
        'export',
        '--format',
        'trl-grpo',
        '--redis',
        server.url,
        '--stream',
        'cap',
        '--out',
        out,
        '--holdout',
        '0',
      ]);
      expect(await new Promise((r) => c.once('exit', r)), c.output()).toBe(0);
      expect(c.output()).toContain('skipped 1 malformed input line(s)');
      expect((await readJsonl(path.join(out, 'toolgate_grpo_train.jsonl'))).map((r) => r.id)).toEqual(
        recs.map((r) => r.id),
      );
    } finally {
      admin.disconnect();
      await server.dispose();
    }
  });
});
