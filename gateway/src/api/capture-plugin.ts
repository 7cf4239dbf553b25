// Turns the tool-call verdict of each finished exchange into a capture record (training data):
// always for invalid and repaired responses, sampled for valid ones, and always when the gateway
// ran MCP calls for the output (each with its outcome: the record's `executable` label); such a
// record is offered once the calls have run. Building the record is cheap and `offer` never
// blocks, so the request path never waits on capture I/O. Shadow exchanges are recorded as pairs
// by the experiments plugin, not here.
import { randomUUID } from 'node:crypto';
import type { Capture } from '../capture/pipeline.js';
import type { ToolCallRecord } from '../capture/record.js';
import { rawModelText, type ToolCallReport } from '../toolcalls/index.js';
import type { Exchange, ExchangePlugin, ExchangeResult } from './exchange.js';
import { TOOL_EXECUTIONS } from '../mcp/executions.js';
import { TOOL_CALLS, type ToolCallState } from './toolcalls/state.js';

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
      if (!state || !report) return;
      // A verdict exists only once the upstream answered. The reject policy turns an invalid one
      // into a 422 for the client; that output is exactly the training data we want to keep.
      const rejected = result.status === 422 && state.policy === 'reject' && report.outcome === 'invalid';
      if (result.status !== 200 && !rejected) return;
      const log = ex.state.get(TOOL_EXECUTIONS);
      if (!log) {
        if (capture.wants(report.outcome)) capture.offer(buildRecord(ex, state, report, result));
        return;
      }
      // The exchange is final now; its record waits for the calls the run makes from its output.
      const record = buildRecord(ex, state, report, result);
      void log.settled.then((calls) => {
        if (calls.length > 0)
          capture.offer({ ...record, executions: calls, executable: calls.every((c) => c.outcome === 'ok') });
        else if (capture.wants(report.outcome)) capture.offer(record);
      });
    },
  };
}

function buildRecord(
  ex: Exchange,
  state: ToolCallState,
  report: ToolCallReport,
  result: ExchangeResult,
): ToolCallRecord {
  const raw = state.rawOutput;
  const keep = report.outcome === 'valid' || report.outcome === 'repaired';
  return {
    kind: 'tool_call',
    ...recordHeader(ex),
    variant: ex.variant,
    backend: ex.backend?.name ?? null,
    messages: ex.body.messages as ToolCallRecord['messages'],
    tools: state.tools,
    rawOutput: rawModelText(raw?.content ?? null, raw?.tool_calls),
    outcome: report.outcome,
    repairs: report.repairs,
    errors: report.errors.map((e) => `${e.tool ?? '?'}${e.pointer ? ' ' + e.pointer : ''}: ${e.message}`),
    calls: keep ? report.calls.filter((c) => c.valid).map((c) => ({ name: c.name, arguments: c.arguments })) : null,
    latency: { ttftMs: ex.meter?.ttftMs ?? null, e2eMs: result.endedAt - ex.receivedAt },
  };
}
