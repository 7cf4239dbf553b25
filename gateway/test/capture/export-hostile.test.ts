// `toolgate export` (the built bin) on hostile capture files: garbage lines, invalid UTF-8, lines
// over the record limit, nesting tens of thousands deep, wrong types in every field. Each bad
// line is skipped and counted, the good records around it are exported, and the command exits 0
// with its summary; it never crashes.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '../../src/capture/read-records.js';
import { builtBin } from '../helpers/built-bin.js';
import { REPO_ROOT } from '../helpers/net.js';
import { pairRecord, toolCallRecord } from './helpers.js';

const DEPTH = 20_000;
/** JSON text nested DEPTH objects deep (built as text: JSON.stringify itself cannot go that deep). */
const deepText = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
const withDeep = (record: unknown) => JSON.stringify(record).replace('"__DEEP__"', deepText);

function hostileLines(): { lines: Array<string | Buffer>; good: number } {
  let good = 0;
  const ok = (i: number) => {
    good++;
    return JSON.stringify(
      toolCallRecord({ conversationId: `c${i}`, messages: [{ role: 'user', content: `Weather in city ${i}?` }] }),
    );
  };
  const record = toolCallRecord() as unknown as Record<string, unknown>;
  const lines: Array<string | Buffer> = [
    ok(0),
    'not json',
    '{',
    '\u0000\u0001\u0002',
    Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // invalid UTF-8
    '[]',
    'null',
    '"a string"',
    '{"kind":"tool_call"}',
    JSON.stringify({ ...record, v: 2 }),
    JSON.stringify({ ...record, messages: 'not a list' }),
    JSON.stringify({ ...record, messages: [{ role: 5 }] }),
    JSON.stringify({ ...record, tools: [{ type: 'function', function: { name: 5 } }] }),
    JSON.stringify({ ...record, calls: [{ name: 'get_weather', arguments: [] }] }),
    JSON.stringify({ ...record, outcome: 'great' }),
    JSON.stringify({ ...record, latency: null }),
    JSON.stringify({ ...pairRecord({}, {}, true), primary: 'x' }),
    '{"__proto__":{"polluted":true},"kind":"tool_call"}',
    ok(1),
    withDeep(
      toolCallRecord({ calls: [{ name: 'get_weather', arguments: '__DEEP__' as unknown as Record<string, unknown> }] }),
    ),
    withDeep(toolCallRecord({ messages: [{ role: 'user', content: ['__DEEP__'] }] })),
    withDeep({ ...record, tools: [{ type: 'function', function: { name: 'f', parameters: { p: '__DEEP__' } } }] }),
    withDeep({ ...pairRecord({}, {}, false), messages: [{ role: 'user', content: '__DEEP__' }] }),
    '['.repeat(DEPTH * 5) + ']'.repeat(DEPTH * 5),
    ok(2),
    'x'.repeat(MAX_RECORD_BYTES + 1024), // over the record limit: skipped unread
    JSON.stringify(toolCallRecord({ conversationId: 'big', rawOutput: 'y'.repeat(4 * 1024 * 1024) })), // large but fine
    ok(3),
  ];
  return { lines, good: good + 1 };
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return builtBin().then(
    (bin) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      }),
  );
}

describe('toolgate export on hostile capture files (built bin)', () => {
  let dir: string;
  let input: string;
  let expected: { good: number; bad: number };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-export-hostile-'));
    const { lines, good } = hostileLines();
    input = path.join(dir, 'capture.jsonl');
    const parts: Buffer[] = [];
    for (const l of lines) parts.push(typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\r\n'));
    await writeFile(input, Buffer.concat(parts));
    expected = { good, bad: lines.length - good };
    await builtBin();
  }, 300_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each(['llamafactory-sft', 'llamafactory-dpo', 'trl-grpo'])(
    '%s: skips and counts every bad line, exports the rest, exits 0',
    async (format) => {
      const out = path.join(dir, `out-${format}`);
      const r = await run(['export', '--format', format, '--in', input, '--out', out, '--holdout', '0']);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { records: number; malformed: number };
      expect(summary.malformed).toBe(expected.bad);
      expect(summary.records).toBe(expected.good);
      expect(r.stderr).toContain(`skipped ${expected.bad} malformed input line(s)`);
      expect(r.stderr).not.toMatch(/Maximum call stack|RangeError|at .*\.js:\d+/);
      for (const f of (await readdir(out)).filter((n) => n.endsWith('.jsonl'))) {
        for (const line of (await readFile(path.join(out, f), 'utf8')).split('\n').filter(Boolean))
          expect(() => JSON.parse(line)).not.toThrow();
      }
    },
    120_000,
  );

  it('names an over-long line and the good records around it still export', async () => {
    const file = path.join(dir, 'long.jsonl');
    const good = JSON.stringify(toolCallRecord({ conversationId: 'around' }));
    await writeFile(file, [good, 'z'.repeat(MAX_RECORD_BYTES + 1), good.replace('around', 'after')].join('\n'));
    const r = await run([
      'export',
      '--format',
      'llamafactory-sft',
      '--in',
      file,
      '--out',
      path.join(dir, 'out-long'),
      '--holdout',
      '0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `long.jsonl:2: line longer than ${MAX_RECORD_BYTES} bytes (${MAX_RECORD_BYTES + 1} bytes), skipped`,
    );
    expect((JSON.parse(r.stdout) as { malformed: number }).malformed).toBe(1);
  }, 120_000);
});
