// Turns the tool-call verdict of each finished exchange into a capture record (training data):
// always for invalid and repaired responses, sampled for valid ones. Building the record is
// cheap and `offer` never blocks, so the request path never waits on capture I/O. Shadow
// exchanges are recorded as pairs by the experiments plugin, not here.
import { randomUUID } from 'node:crypto';
import type { Capture } from '../capture/pipeline.js';
import type { ToolCallRecord } from '../capture/record.js';
import { rawModelText } from '../toolcalls/index.js';
import type { Exchange, ExchangePlugin } from './exchange.js';
import { TOOL_CALLS } from './toolcalls/state.js';

/** The fields every capture record starts with (record.ts `commonFields`). */
export function recordHeader(ex: Exchange) {
  return {
    v: 1 as const,
    id: randomUUID(),
    ts: new Date().toISOString(),
    requestId: ex.id,
    conversationId: ex.headers['x-session-id'] ?? null,
    model: ex.model,
  };
}

export function createCapturePlugin(capture: Capture): ExchangePlugin {
  return {
    name: 'capture',
    onFinish(ex, result) {
      if (ex.role !== 'primary') return;
      const state = ex.state.get(TOOL_CALLS);
      const report = state?.report;
      if (!state || !report || !capture.wants(report.outcome)) return;
      // A verdict exists only once the upstream answered. The reject policy turns an invalid one
      // into a 422 for the client; that output is exactly the training data we want to keep.
      const rejected = result.status === 422 && state.policy === 'reject' && report.outcome === 'invalid';
      if (result.status !== 200 && !rejected) return;
      const raw = state.rawOutput;
      const rawOutput = rawModelText(raw?.content ?? null, raw?.tool_calls);
      const keep = report.outcome === 'valid' || report.outcome === 'repaired';
      const record: ToolCallRecord = {
        kind: 'tool_call',
        ...recordHeader(ex),
        variant: ex.variant,
        backend: ex.backend?.name ?? null,
        messages: ex.body.messages as ToolCallRecord['messages'],
        tools: state.tools as ToolCallRecord['tools'],
        rawOutput,
        outcome: report.outcome,
        repairs: report.repairs,
        errors: report.errors.map((e) => `${e.tool ?? '?'}${e.pointer ? ' ' + e.pointer : ''}: ${e.message}`),
        calls: keep ? report.calls.filter((c) => c.valid).map((c) => ({ name: c.name, arguments: c.arguments })) : null,
        latency: { ttftMs: ex.meter?.ttftMs ?? null, e2eMs: result.endedAt - ex.receivedAt },
      };
      capture.offer(record);
    },
  };
}
