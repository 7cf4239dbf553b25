// The multi-turn conversation loop, request by request, against scripted endpoints: BFCL's user
// turns (and the held-out-function turn), calls executed on BFCL's backends with the results sent
// back as `tool` messages, the step limit, a rejected request, and the sidecar's refusal of calls
// that are not plain API calls. Plus the constants copied from bfcl-eval, checked against it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BfclSidecar, SidecarError } from '../src/bfcl/sidecar.js';
import { pythonPath } from '../src/python-env.js';
import { ADDITIONAL_FUNCTION_PROMPT, MAXIMUM_STEP_LIMIT } from '../src/run/conversation.js';
import { runEval } from '../src/run/runner.js';
import {
  startScriptedEndpoint,
  type Answer,
  type ChatRequest,
  type ScriptedEndpoint,
} from './helpers/scripted-endpoint.js';

const open: ScriptedEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});
const endpoint = async (answer: (req: ChatRequest, n: number) => Answer): Promise<ScriptedEndpoint> => {
  const ep = await startScriptedEndpoint(answer);
  open.push(ep);
  return ep;
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'eval-conv-'));
const toolNames = (q: ChatRequest): string[] => (q.tools ?? []).map((t) => t.function.name);
const scores = (out: string): { id: string; bfcl: { valid: boolean; errorType: string | null } }[] =>
  readFileSync(join(out, 'scores.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const base = { model: 'm', concurrency: 1, limitPerCategory: 1, temperature: 0, timeoutMs: 10_000, retries: 0 };

describe('BFCL multi-turn conversations', () => {
  it("follows BFCL's turns: results back as tool messages, held-out functions added with BFCL's prompt", async () => {
    // One call per user turn, then prose: the turn ends when an answer has no call.
    const ep = await endpoint((req) =>
      req.messages.at(-1)!.role === 'tool'
        ? { content: 'Done.' }
        : { tool_calls: [{ name: 'ls', arguments: '{"a": true}' }] },
    );
    const out = tmp();
    const r = await runEval({ ...base, endpoint: ep.url, dataset: 'bfcl:multi_turn_miss_func', out });
    expect(r.unsettled).toBe(0);
    // multi_turn_miss_func_0: five turns, `sort` held out until turn 3, whose user message is empty in the data.
    expect(ep.requests).toHaveLength(10);
    const [first, second] = ep.requests;
    expect(toolNames(first!)).not.toContain('sort');
    expect(first!.tools![0]!.function).toMatchObject({ name: 'authenticate_twitter' });
    expect((first!.tools![0]!.function as unknown as { description: string }).description).toMatch(
      /Note that the provided function is in Python 3 syntax\.$/,
    );
    const assistant = second!.messages.at(-2) as unknown as { role: string; tool_calls: { id: string }[] };
    const tool = second!.messages.at(-1) as { role: string; content: string; tool_call_id: string };
    expect(assistant.role).toBe('assistant');
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: assistant.tool_calls[0]!.id });
    expect(JSON.parse(tool.content)).toEqual({ current_directory_content: ['document', 'archive'] });
    const holdout = ep.requests[6]!;
    expect(holdout.messages.at(-1)).toEqual({ role: 'user', content: ADDITIONAL_FUNCTION_PROMPT });
    expect(toolNames(holdout)).toContain('sort');
    // The held-out doc comes as BFCL's loader leaves it: without the language hint.
    const sort = holdout.tools!.find((t) => t.function.name === 'sort')!.function as unknown as { description: string };
    expect(sort.description).not.toMatch(/Python 3 syntax/);
    const raw = JSON.parse(readFileSync(join(out, 'raw.jsonl'), 'utf8').trim()) as {
      turns: { calls?: string[]; results?: string[] }[][];
    };
    expect(raw.turns).toHaveLength(5);
    expect(raw.turns[0]![0]!.calls).toEqual(['ls(a=True)']);
    expect(raw.turns[0]![1]!.calls).toBeUndefined();
    // Scored by BFCL's checkers: ls changes nothing, so the first turn's state check fails.
    expect(scores(out)[0]!.bfcl).toMatchObject({ valid: false, errorType: 'multi_turn:instance_state_mismatch' });
  }, 120_000);

  it('stops a conversation at the step limit (force quit), which BFCL scores as force-terminated', async () => {
    const ep = await endpoint(() => ({ tool_calls: [{ name: 'pwd', arguments: '{}' }] }));
    const out = tmp();
    await runEval({ ...base, endpoint: ep.url, dataset: 'bfcl:multi_turn_base', out });
    expect(ep.requests).toHaveLength(MAXIMUM_STEP_LIMIT + 1);
    const raw = JSON.parse(readFileSync(join(out, 'raw.jsonl'), 'utf8').trim()) as {
      force_quit: boolean;
      turns: unknown[][];
    };
    expect(raw.force_quit).toBe(true);
    expect(raw.turns).toHaveLength(1);
    expect(scores(out)[0]!.bfcl).toMatchObject({ valid: false, errorType: 'multi_turn:force_terminated' });
  }, 120_000);

  it('records a rejected request as an inference error (not re-sent), a dropped connection as retryable', async () => {
    const rejecting = await endpoint((_req, n) =>
      n === 2
        ? {
            status: 400,
            body: { error: { message: 'prompt too long', type: 'invalid_request_error', param: null, code: null } },
          }
        : { content: 'OK.' },
    );
    const out = tmp();
    const r = await runEval({ ...base, endpoint: rejecting.url, dataset: 'bfcl:multi_turn_long_context', out });
    expect(r.metrics.status).toEqual({ rejected: 1 });
    expect(scores(out)[0]!.bfcl).toMatchObject({ valid: false, errorType: 'multi_turn:inference_error' });
    expect(r.leaderboard!.categories['multi_turn_long_context']).toMatchObject({ correct: 0, total: 1 });
    await runEval({ ...base, endpoint: rejecting.url, dataset: 'bfcl:multi_turn_long_context', out });
    expect(rejecting.requests).toHaveLength(2);

    const dropping: ScriptedEndpoint = await endpoint((_req, n) => {
      if (n === 2) dropping.dropAll();
      return { content: 'OK.' };
    });
    const out2 = tmp();
    const failed = await runEval({ ...base, endpoint: dropping.url, dataset: 'bfcl:multi_turn_base', out: out2 });
    expect(failed.unsettled).toBe(1);
    const healthy = await endpoint(() => ({ content: 'OK.' }));
    const resumed = await runEval({ ...base, endpoint: healthy.url, dataset: 'bfcl:multi_turn_base', out: out2 });
    expect(resumed.unsettled).toBe(0);
    expect(healthy.requests.length).toBeGreaterThan(0); // the conversation was run again from its start
    expect(healthy.requests[0]!.messages).toHaveLength(1);
  }, 120_000);
});

describe('the BFCL sidecar', () => {
  let sidecar: BfclSidecar;
  let dir: string;
  beforeAll(() => {
    dir = tmp();
    sidecar = new BfclSidecar({ memoryDir: join(dir, 'memory') });
  });
  afterAll(() => sidecar.close());

  it("runs model calls as BFCL does, refusing only what would run as code outside the entry's APIs", async () => {
    await sidecar.open('s', 'multi_turn_base', 'multi_turn_base_0', false);
    const target = join(dir, 'pwned');
    const calls = [
      'ls(a=True)',
      'no_such_function(x=1)', // BFCL's own NameError text
      'ls(a=True', // BFCL's own SyntaxError text
      "get.symbol_by_name(name='AAPL')", // a near-miss name with a dot: NameError on `get`, as upstream
      `foo(x=open('${target}-2', 'w'))`, // NameError on `foo` before the argument is evaluated
      'cd(folder=x)', // NameError on `x`
      `open(file='${target}', mode='w')`, // a Python builtin, not an API of this entry
      "__import__('os').system('true')",
      "cd(folder=__import__('os').getcwd())",
      'cd(folder=initial_config)', // a local of BFCL's executor
      'json.dumps(obj=1)', // a module BFCL's executor imported
      'mean(numbers=[1, 2])', // MathAPI is not part of this entry: NameError, as upstream
    ];
    const { results, blocked } = await sidecar.exec('s', calls);
    expect(JSON.parse(results[0]!)).toEqual({ current_directory_content: ['document', 'archive'] });
    expect(results[1]).toBe("Error during execution: name 'no_such_function' is not defined");
    expect(results[2]).toMatch(/^Error during execution: .*(was never closed|unexpected EOF)/);
    expect(results[3]).toBe("Error during execution: name 'get' is not defined");
    expect(results[4]).toBe("Error during execution: name 'foo' is not defined");
    expect(results[5]).toBe("Error during execution: name 'x' is not defined");
    expect(blocked).toEqual([6, 7, 8, 9, 10]);
    for (const i of blocked) expect(results[i]).toMatch(/^Error during execution: refused by toolgate: /);
    expect(results[11]).toBe("Error during execution: name 'mean' is not defined");
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}-2`)).toBe(false);
    await sidecar.closeSession('s');
  });

  it('answers a bad request with an error and keeps serving; a dead sidecar fails every request', async () => {
    await expect(sidecar.request('no_such_op', {})).rejects.toThrow(/unknown op 'no_such_op'/);
    await expect(sidecar.open('x', 'multi_turn_base', 'no_such_entry', false)).rejects.toThrow(
      /no entry 'no_such_entry'/,
    );
    await expect(sidecar.exec('never-opened', ['ls()'])).rejects.toThrow(/no open session/);
    const other = new BfclSidecar({ memoryDir: join(dir, 'memory2') });
    const pending = other.open('y', 'multi_turn_base', 'multi_turn_base_1', false);
    (other as unknown as { child: { kill(s: string): void } }).child.kill('SIGKILL');
    await expect(pending).rejects.toBeInstanceOf(SidecarError);
    await expect(other.exec('y', ['ls()'])).rejects.toThrow(/the BFCL sidecar exited/);
    await other.close();
  });

  it('uses the step limit and held-out-function prompt of the installed bfcl-eval', () => {
    const run = spawnSync(
      pythonPath(),
      [
        '-c',
        'from bfcl_eval.constants import default_prompts as d; print(d.MAXIMUM_STEP_LIMIT); print(d.DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC)',
      ],
      { encoding: 'utf8' },
    );
    expect(run.stdout.trim().split('\n')).toEqual([String(MAXIMUM_STEP_LIMIT), ADDITIONAL_FUNCTION_PROMPT]);
  });
});
