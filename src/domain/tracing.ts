import { ProxyTracerProvider, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api'

// Spans through @opentelemetry/api only: without an SDK registered by the host (ADOT layer,
// NodeSDK…) they are no-ops, so the domain can always emit them.
const TRACER_NAME = 'passport-scorer-ts'

// What the API delegates to while no SDK is registered (a fresh proxy has no delegate of its own).
const NO_SDK = new ProxyTracerProvider().getDelegate()

/**
 * True while no SDK is registered (OTEL_ENABLED off and no host layer): a span would record
 * nothing, and making one costs a context, a span object and a promise per call — a warm rescore
 * makes about ten (issue 16). Checked on every call, so an SDK registered later is used at once.
 */
function isTracingOff(): boolean {
  const provider = trace.getTracerProvider()
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NO_SDK
}

export function withSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (isTracingOff()) {
    try {
      return work()
    } catch (error) {
      // As with a span: a synchronous throw of `work` is a rejection.
      return Promise.reject(error as Error)
    }
  }
  // The tracer of the provider registered now (a tracer kept from before would keep its old delegate).
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work()
    } catch (error) {
      span.recordException(error as Error)
      span.setStatus({ code: SpanStatusCode.ERROR })
      throw error
    } finally {
      span.end()
    }
  })
}
