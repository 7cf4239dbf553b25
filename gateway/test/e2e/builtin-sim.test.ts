// `toolgate serve` with no upstream starts the built-in simulator; its pods run vLLM's qwen3
// reasoning parser unless `sim.reasoningParser: none` (checked on the pods the log names).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveProcess, type GatewayProcess } from './processes.js';

describe('built-in simulator of toolgate serve', () => {
  let dir: string;
  const gateways: GatewayProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'toolgate-builtin-sim-'));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  async function podAnswer(
    config: Record<string, unknown>,
  ): Promise<{ content: string | null; reasoning: string | null }> {
    const gw = await serveProcess(dir, `sim-${gateways.length}`, config, { LOG_LEVEL: 'info' });
    gateways.push(gw);
    const started = gw
      .output()
      .split('\n')
      .find((l) => l.includes('started the built-in vLLM simulator'));
    const pod = (JSON.parse(started!) as { pods: string[] }).pods[0]!;
    const res = await fetch(`${pod}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'hi' }],
        sim_script: { raw: '<think>plan</think>answer' },
      }),
    });
    return ((await res.json()) as { choices: Array<{ message: { content: string | null; reasoning: string | null } }> })
      .choices[0]!.message;
  }

  it('runs the qwen3 reasoning parser by default, as a Qwen3 deployment does', async () => {
    expect(await podAnswer({ sim: { pods: 1, profile: 'fixed' } })).toMatchObject({
      reasoning: 'plan',
      content: 'answer',
    });
  });

  it('sim.reasoningParser none turns it off', async () => {
    expect(await podAnswer({ sim: { pods: 1, profile: 'fixed', reasoningParser: 'none' } })).toMatchObject({
      reasoning: null,
      content: '<think>plan</think>answer',
    });
  });
});
