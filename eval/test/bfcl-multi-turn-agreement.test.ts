// The TypeScript side of BFCL's multi-turn and memory scoring agrees with BFCL's official runner
// (eval_runner._evaluate_single_multi_turn_entry / _evaluate_single_agentic_entry, run by
// eval/python/official_runner.py) case by case: same verdict, same error type, and the same call
// strings decoded from every step. The cases are recorded model outputs: conversations driven
// against the simulator with tool-call faults, and hand-written ones aimed at every error type.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimCluster } from '../../loadtest/src/sim/index.js';
import { checkAgentic } from '../src/bfcl/agentic-checker.js';
import type { BfclVerdict } from '../src/bfcl/evaluate-entry.js';
import { checkMultiTurn, decodeTurns } from '../src/bfcl/multi-turn-checker.js';
import { groundTruthCalls, runOfficialMultiTurn } from '../src/bfcl/official-checker.js';
import { BfclSidecar } from '../src/bfcl/sidecar.js';
import type { StatefulEntry } from '../src/bfcl/stateful-data.js';
import { loadDataset } from '../src/dataset.js';
import { conversationResult } from '../src/metrics/conversation-score.js';
import { normalizeBaseUrl } from '../src/run/client.js';
import { runConversation } from '../src/run/conversation.js';
import { chatBody } from '../src/run/runner.js';
import { memoryCases, multiTurnCases, type MultiTurnCase } from './helpers/multi-turn-cases.js';

const PER_CATEGORY = 1; // hand-written cases: entries per multi-turn category (~25 outputs each)
const MEMORY_PER_CATEGORY = 1; // hand-written cases: entries per memory category (14 outputs each)
const RECORDED_PER_CATEGORY = 1; // simulator conversations per category
const FAULTS = {
  python_literals: 0.12,
  missing_close_tag: 0.08,
  near_miss_name: 0.12,
  missing_argument: 0.12,
  invented_argument: 0.1,
  type_drift: 0.1,
  arguments_null: 0.06,
  bare_json: 0.06,
  call_when_no_tool_applies: 0.1,
} as const;

let sidecar: BfclSidecar;
let sim: SimCluster;
const entries = new Map<string, StatefulEntry>();
const cases: MultiTurnCase[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-mt-agree-'));
  sidecar = new BfclSidecar({ memoryDir: join(dir, 'memory') });
  sim = await startSim({ seed: 5, faults: { rates: FAULTS }, profile: { kind: 'fixed', ttftMs: 1, itlMs: 0 } });
  const ds = loadDataset('bfcl:multi_turn,memory');
  const byCategory = new Map<string, StatefulEntry[]>();
  for (const it of ds.items) {
    const e = it.conversation!;
    entries.set(e.id, e);
    if (!e.prereq) byCategory.set(e.category, [...(byCategory.get(e.category) ?? []), e]);
  }
  const multiTurn = [...byCategory].filter(([c]) => c.startsWith('multi_turn'));
  const handWritten = multiTurn.flatMap(([, es]) => es.slice(0, PER_CATEGORY));
  const truth = groundTruthCalls(handWritten);
  for (const e of handWritten) cases.push(...multiTurnCases(e.category, e.id, truth.get(e.id)!));
  for (const [category, es] of byCategory) {
    if (!category.startsWith('memory')) continue;
    for (const e of es.slice(0, MEMORY_PER_CATEGORY))
      cases.push(...memoryCases(category, e.id, e.ground_truth as string[]));
  }
  // Recorded from the simulator: its answers to the real conversations, faults and all.
  const client = { baseUrl: normalizeBaseUrl(sim.urls[0]!), timeoutMs: 30_000, retries: 2 };
  const recordFrom = [...byCategory].flatMap(([, es]) => es.slice(PER_CATEGORY, PER_CATEGORY + RECORDED_PER_CATEGORY));
  const recorded = await Promise.all(
    recordFrom.map((e) =>
      runConversation(e, {
        sidecar,
        client,
        body: (messages, tools) => chatBody(messages, tools, { model: 'Qwen/Qwen3-0.6B', temperature: 0 }),
      }),
    ),
  );
  recorded.forEach((r, i) => {
    const e = recordFrom[i]!;
    cases.push({
      id: `${e.id}#simulator`,
      category: e.category,
      entryId: e.id,
      mutation: 'simulator',
      result: conversationResult(r),
    });
  });
}, 600_000);

afterAll(async () => {
  await sidecar?.close();
  await sim?.close();
});

describe('BFCL multi-turn and memory scoring agrees with the official runner', () => {
  it('gives the same verdict, error type and decoded calls on every recorded output', async () => {
    const official = runOfficialMultiTurn(cases);
    expect(official).toHaveLength(cases.length);
    // Ours, a few cases in flight (the sidecar answers one request at a time; this hides the round trips).
    const verdicts: BfclVerdict[] = new Array(cases.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]!;
        const entry = entries.get(c.entryId)!;
        verdicts[i] = c.category.startsWith('memory')
          ? checkAgentic(c.result, entry.ground_truth as string[])
          : await checkMultiTurn(
              { id: entry.id, category: entry.category, ground_truth: entry.ground_truth as string[][] },
              c.result,
              sidecar,
            );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const disagreements: unknown[] = [];
    const officialTypes: Record<string, number> = {};
    for (const [i, c] of cases.entries()) {
      const ours = verdicts[i]!;
      const ref = official[i]!;
      expect(ref.id).toBe(c.id);
      const key = `${c.category.startsWith('memory') ? 'memory' : 'multi_turn'} ${ref.valid ? 'valid' : ref.error_type}`;
      officialTypes[key] = (officialTypes[key] ?? 0) + 1;
      const decoded = c.category.startsWith('memory') || !Array.isArray(c.result) ? null : decodeTurns(c.result);
      if (
        ours.valid !== ref.valid ||
        ours.errorType !== ref.error_type ||
        JSON.stringify(decoded) !== JSON.stringify(ref.decoded)
      ) {
        disagreements.push({
          id: c.id,
          ours: [ours.valid, ours.errorType],
          official: [ref.valid, ref.error_type],
          decodedOurs: decoded,
          decodedOfficial: ref.decoded,
        });
      }
    }
    console.log(`${cases.length} cases`, officialTypes);
    expect(disagreements).toEqual([]);
    // Every error type of the multi-turn and agentic checkers occurs, and so does a pass.
    for (const t of [
      'multi_turn valid',
      'multi_turn multi_turn:inference_error',
      'multi_turn multi_turn:force_terminated',
      'multi_turn multi_turn:empty_turn_model_response',
      'multi_turn multi_turn:instance_state_mismatch',
      'multi_turn multi_turn:execution_response_mismatch',
      'memory valid',
      'memory agentic:inference_error',
      'memory agentic:no_last_message',
      'memory agentic:answer_not_found',
    ]) {
      expect(officialTypes[t], t).toBeGreaterThan(0);
    }
    expect(cases.filter((c) => c.mutation === 'simulator')).toHaveLength(6 * RECORDED_PER_CATEGORY);
  }, 600_000);
});
