// BFCL memory (memory_kv) end to end: the scenario's prerequisite conversations run first, one
// after another in BFCL's order; what the model stores in them reaches the question through
// BFCL's own memory snapshot and system prompt; the answer is scored by BFCL's agentic checker.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/dataset.js';
import { runEval, selectItems } from '../src/run/runner.js';
import { startScriptedEndpoint, type ChatRequest, type ScriptedEndpoint } from './helpers/scripted-endpoint.js';

const NAME = 'Zanzibar'; // stored by the model during the prerequisites; not the answer BFCL expects
let ep: ScriptedEndpoint;

/** A memory agent that stores one fact in its first prerequisite turn and answers from its core memory. */
function agent(req: ChatRequest) {
  const last = req.messages[req.messages.length - 1]!;
  if (last.role === 'tool') return { content: 'Noted.' };
  const system = String(req.messages[0]!.content);
  if (system.includes('For your final answer to the user')) {
    // The question: the core memory dump in the system prompt decides the answer.
    return {
      content: system.includes(`"customer_name": "${NAME}"`)
        ? `{'answer': 'Michael ${NAME}', 'context': 'core memory'}`
        : "{'answer': 'I do not know'}",
    };
  }
  if (req.messages.filter((m) => m.role === 'user').length === 1) {
    return {
      tool_calls: [{ name: 'core_memory_add', arguments: JSON.stringify({ key: 'customer_name', value: NAME }) }],
    };
  }
  return { content: 'Thanks for telling me.' };
}

beforeAll(async () => {
  ep = await startScriptedEndpoint(agent);
});
afterAll(() => ep.close());

describe('BFCL memory categories', () => {
  it('runs the prerequisites first, in order, and carries their memory into the question', async () => {
    const out = mkdtempSync(join(tmpdir(), 'eval-memory-'));
    const dataset = 'bfcl:memory_kv';
    const items = selectItems(loadDataset(dataset).items, { limitPerCategory: 1 });
    const prereqs = items.filter((it) => it.conversation!.prereq);
    const question = items.find((it) => !it.conversation!.prereq)!;
    expect(question.id).toBe('memory_kv_0-customer-0');
    expect(prereqs.map((p) => p.id)).toEqual(question.conversation!.depends_on);
    expect(prereqs.length).toBeGreaterThan(1);

    const r = await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset,
      out,
      concurrency: 8,
      limitPerCategory: 1,
      temperature: 0,
      timeoutMs: 10_000,
      retries: 0,
    });
    expect(r.unsettled).toBe(0);
    // Prerequisite conversations ran one after another in BFCL's order, then the question.
    const firstUserOf = (q: ChatRequest): string => String(q.messages.find((m) => m.role === 'user')!.content);
    const opened = ep.requests.filter(
      (q) =>
        q.messages.filter((m) => m.role === 'user').length === 1 && q.messages[q.messages.length - 1]!.role === 'user',
    );
    const expectedOrder = [...prereqs, question].map(
      (it) => it.conversation!.question[0]!.find((m) => m.role === 'user')!.content,
    );
    expect(opened.map(firstUserOf)).toEqual(expectedOrder);
    // The first prerequisite's write is in the snapshot BFCL's backend flushed, and in the question's prompt.
    const snapshot = join(out, 'bfcl-memory/agentic/memory/kv/memory_snapshot/customer_final.json');
    expect(existsSync(snapshot)).toBe(true);
    expect(JSON.parse(readFileSync(snapshot, 'utf8'))).toMatchObject({ core_memory: { customer_name: NAME } });
    expect(r.metrics.byCategory['memory_kv']!.bfclAccuracy).toMatchObject({ k: 1, n: 1 });
    expect(r.metrics.byCategory['memory_kv']!.items).toBe(1); // prerequisites are not scored
    expect(r.leaderboard!.categories['memory_kv']).toMatchObject({
      status: 'partial',
      correct: 1,
      total: 1,
      size: 155,
    });

    // Resumed: nothing is sent again, and the verdict stands.
    const before = ep.requests.length;
    const again = await runEval({
      endpoint: ep.url,
      model: 'm',
      dataset,
      out,
      concurrency: 8,
      limitPerCategory: 1,
      temperature: 0,
      timeoutMs: 10_000,
      retries: 0,
    });
    expect(ep.requests).toHaveLength(before);
    expect(again.metrics.byCategory['memory_kv']!.bfclAccuracy).toMatchObject({ k: 1, n: 1 });
  }, 300_000);
});
