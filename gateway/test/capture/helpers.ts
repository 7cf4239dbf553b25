// Shared builders for the capture tests: realistic records and a silent logger/metrics pair.
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/telemetry/log.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import type { ToolCallRecord, ShadowPairRecord, PairSide } from '../../src/capture/record.js';

export const quietLogger = () => createLogger({}, 'silent');
export const testMetrics = () => createMetrics(new Registry(), { defaultMetrics: false });

type Labels = Partial<Record<string, string | number>>;
export async function counterValue(
  metric: { get(): Promise<{ values: readonly { value: number; labels: Labels }[] }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((a, v) => a + v.value, 0);
}

export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

export function toolCallRecord(over: Partial<ToolCallRecord> = {}): ToolCallRecord {
  return {
    kind: 'tool_call',
    v: 1,
    id: randomUUID(),
    ts: new Date().toISOString(),
    requestId: 'req-1',
    model: 'qwen3-0.6b',
    variant: 'base',
    backend: '127.0.0.1:8000',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
    tools: [weatherTool],
    rawOutput: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris",}}\n',
    outcome: 'repaired',
    repairs: ['json_syntax', 'close_tag_missing'],
    errors: [],
    calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    latency: { ttftMs: 12.5, e2eMs: 80 },
    ...over,
  };
}

export function side(over: Partial<PairSide> = {}): PairSide {
  return {
    variant: 'base',
    backend: null,
    outcome: 'valid',
    parsed: true,
    schemaValid: true,
    calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
    ttftMs: 10,
    e2eMs: 100,
    ...over,
  };
}

export function pairRecord(primary: Partial<PairSide>, shadow: Partial<PairSide>, agree: boolean): ShadowPairRecord {
  return {
    kind: 'shadow_pair',
    v: 1,
    id: randomUUID(),
    ts: new Date().toISOString(),
    requestId: null,
    model: 'qwen3-0.6b',
    primary: side({ variant: 'base', ...primary }),
    shadow: side({ variant: 'lora-v2', ...shadow }),
    agree,
  };
}
