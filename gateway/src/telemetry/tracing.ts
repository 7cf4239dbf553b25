// OpenTelemetry tracing with the GenAI semantic conventions. The SDK starts only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the API's no-op tracer makes spans free.
import { trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('toolgate');

export async function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<(() => Promise<void>) | null> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  if (!env.OTEL_SERVICE_NAME) env.OTEL_SERVICE_NAME = serviceName;
  const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter(), instrumentations: [] });
  sdk.start();
  return () => sdk.shutdown();
}

/** Span `chat {model}` (or `text_completion {model}`) for one gateway request. */
export function startRequestSpan(operation: string, model: string): Span {
  return tracer.startSpan(`${operation} ${model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': operation,
      'gen_ai.provider.name': 'vllm',
      'gen_ai.request.model': model,
    },
  });
}

export function endRequestSpan(
  span: Span,
  result: { status: number; backend?: string; finishReasons?: string[]; inputTokens?: number; outputTokens?: number; error?: string },
): void {
  if (result.backend) span.setAttribute('server.address', result.backend);
  span.setAttribute('http.response.status_code', result.status);
  if (result.finishReasons?.length) span.setAttribute('gen_ai.response.finish_reasons', result.finishReasons);
  if (result.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', result.inputTokens);
  if (result.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', result.outputTokens);
  if (result.error || result.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
  span.end();
}
