// OpenTelemetry tracing with the GenAI semantic conventions. The SDK starts only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set. Without any tracer provider registered, a request costs
// nothing here: one shared non-recording span, no name string, no attribute objects.
import {
  trace,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  INVALID_SPAN_CONTEXT,
  type Span,
} from '@opentelemetry/api';

const tracer = trace.getTracer('toolgate');
/** The API's own no-op provider (what the global proxy delegates to until one is registered). */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- @opentelemetry/api 1.x offers no other way to tell the no-op provider
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** True once a tracer provider is registered (the SDK, or anything else that sets one). */
function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- as above
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

export async function startTracing(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<(() => Promise<void>) | null> {
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
  if (!tracingOn()) return NOOP_SPAN;
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
  result: {
    status: number;
    backend?: string;
    finishReasons?: string[];
    inputTokens?: number;
    outputTokens?: number;
    error?: string;
  },
): void {
  if (span === NOOP_SPAN) return;
  if (result.backend) span.setAttribute('server.address', result.backend);
  span.setAttribute('http.response.status_code', result.status);
  if (result.finishReasons?.length) span.setAttribute('gen_ai.response.finish_reasons', result.finishReasons);
  if (result.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', result.inputTokens);
  if (result.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', result.outputTokens);
  if (result.error || result.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
  span.end();
}
