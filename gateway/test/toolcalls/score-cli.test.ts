// `toolgate score` round trip: a real process (tsx), JSONL through a file and through stdin.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(ROOT, 'gateway/src/cli/main.ts');

function runScore(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, 'score', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
const lines = [
  { id: 'exact', tools, raw: call, reference: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
  {
    id: 'broken',
    tools,
    raw: call.replace('}}', '},}'),
    reference: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
  },
  { id: 'no-ref', tools, raw: 'It is sunny.' },
];

describe('toolgate score', () => {
  it('scores a JSONL file into a JSONL file, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-score-'));
    const inPath = join(dir, 'in.jsonl');
    const outPath = join(dir, 'out.jsonl');
    writeFileSync(inPath, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await runScore(['--in', inPath, '--out', outPath]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('3 lines, 0 errors, mean total reward 1.0000');
    const out = readFileSync(outPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(['exact', 'broken', 'no-ref']);
    expect(out[0].reward).toMatchObject({ format: 1, correctness: 3, schema: 1, total: 5 });
    expect(out[0].gateway.outcome).toBe('valid');
    expect(out[1].reward).toMatchObject({ format: 0, correctness: -3, schema: 0, total: -3 });
    expect(out[1].parse.ok).toBe(false);
    expect(out[1].gateway).toMatchObject({ outcome: 'repaired', repairs: ['json_syntax'] });
    expect(out[2].reward).toBeUndefined();
    expect(out[2].gateway.outcome).toBe('none');
  }, 60_000);

  it('reads stdin, writes stdout, and reports bad lines without stopping', async () => {
    const input = [
      '{not json',
      JSON.stringify({
        tools: [{ type: 'function', function: { name: 'x', parameters: { type: 'objekt' } } }],
        raw: '',
      }),
      JSON.stringify(lines[0]),
    ].join('\n');
    const r = await runScore([], input);
    expect(r.code).toBe(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(3);
    expect(out[0].error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    expect(out[1].error).toMatchObject({ code: 'invalid_tool_schema', param: 'tools[0].function.parameters' });
    expect(out[1].error.message).toContain("tool 'x'");
    expect(out[2].reward.total).toBe(5);
  }, 60_000);

  it("scores with reward version 2 by default; --reward-version 1 and a line's reward.version select version 1", async () => {
    const repeated = {
      id: 'repeat',
      tools,
      raw: `${call}\n${call}`,
      reference: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    };
    const input = [repeated, { ...repeated, id: 'repeat-v1', reward: { version: 1 } }]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const v2 = (await runScore([], input)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(v2.map((o) => [o.reward.version, o.reward.total])).toEqual([
      [2, 2],
      [1, 5],
    ]);
    const v1 = await runScore(['--reward-version', '1'], JSON.stringify(repeated));
    expect(JSON.parse(v1.stdout).reward).toMatchObject({ version: 1, total: 5 });
    const bad = await runScore(['--reward-version', '3'], JSON.stringify(repeated));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--reward-version must be 1 or 2');
  }, 60_000);

  it('prints help and rejects unknown flags', async () => {
    const help = await runScore(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--in FILE');
    expect((await runScore(['--bogus'])).code).toBe(2);
  }, 60_000);
});
