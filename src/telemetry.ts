import { otlpTracesUrl, type Config } from './config.js'

// The OpenTelemetry SDK, started only with OTEL_ENABLED (docs/observability.md). Until then the
// spans of src/domain and src/api go to the API's no-op provider, and none of the SDK is loaded:
// the imports below are dynamic so that a start without tracing does not pay for them.

export interface Tracing {
  /** Sends the spans still buffered (a Lambda calls it before its environment is frozen). */
  flush(): Promise<void>
  /** Flushes and stops exporting (the server calls it on shutdown). */
  shutdown(): Promise<void>
}

/**
 * Registers the SDK as the global tracer provider: OTLP/HTTP protobuf export in batches to
 * `otlpTracesUrl`, a parent-based ratio sampler (a caller's sampled trace is followed; a trace
 * started here is kept with OTEL_TRACE_SAMPLING_RATE), W3C trace context, and a span per SQL statement.
 */
export async function startTracing(config: Config): Promise<Tracing | undefined> {
  if (!config.otelEnabled) return undefined
  const [sdk, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, { installQueryTracing }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-proto'),
      import('@opentelemetry/resources'),
      import('./db/query-tracing.js'),
    ])
  const provider = new sdk.NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': config.otelServiceName,
        'deployment.environment': config.deploymentEnvironment,
      }),
    ),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.otelTraceSamplingRate) }),
    spanProcessors: [new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(config) }))],
  })
  provider.register()
  installQueryTracing()
  return { flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() }
}

/** A Lambda handler that sends its spans before answering: a frozen environment exports nothing. */
export function flushingTraces<Args extends unknown[], Result>(
  handler: (...args: Args) => Promise<Result>,
  tracing: Tracing | undefined,
): (...args: Args) => Promise<Result> {
  if (!tracing) return handler
  return async (...args) => {
    try {
      return await handler(...args)
    } finally {
      await tracing.flush()
    }
  }
}
