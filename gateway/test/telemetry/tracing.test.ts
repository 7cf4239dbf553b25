// Request spans: free when no tracer provider is registered (one shared non-recording span),
// real GenAI spans as soon as one is (the SDK under OTEL_EXPORTER_OTLP_ENDPOINT, or any other).
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { endRequestSpan, startRequestSpan } from '../../src/telemetry/tracing.js';

describe('request spans', () => {
  it('cost one shared no-op span without a provider, and are recorded once one is registered', () => {
    const a = startRequestSpan('chat', 'm');
    expect(a.isRecording()).toBe(false);
    expect(startRequestSpan('chat', 'other')).toBe(a);
    endRequestSpan(a, { status: 200, backend: 'b' });

    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const span = startRequestSpan('chat', 'Qwen/Qwen3-0.6B');
    expect(span.isRecording()).toBe(true);
    endRequestSpan(span, { status: 502, backend: 'pod-1', error: 'upstream reset', inputTokens: 7 });
    const [done] = exporter.getFinishedSpans();
    expect(done!.name).toBe('chat Qwen/Qwen3-0.6B');
    expect(done!.attributes).toMatchObject({
      'gen_ai.request.model': 'Qwen/Qwen3-0.6B',
      'server.address': 'pod-1',
      'http.response.status_code': 502,
      'gen_ai.usage.input_tokens': 7,
    });
    expect(done!.status.code).toBe(2); // ERROR
  });
});
