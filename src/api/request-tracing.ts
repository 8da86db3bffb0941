import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'

// The request's id goes back to the caller, and with OTEL_ENABLED each request is a server span
// that the scoring, database and DIDKit spans nest under (docs/observability.md).

/** `x-request-id` on every answer: the caller's own id when it sent one, else the UUID we logged. */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
}

const tracer = trace.getTracer('passport-scorer-ts')
const spans = new WeakMap<FastifyRequest, Span>()

/**
 * A server span from routing to the answer, child of the caller's `traceparent` if any. The rest of
 * the request runs in its context: the hooks after this one are called from `done`; the raw
 * request's stream events are bound to it too, as OpenTelemetry's own HTTP instrumentation does,
 * so a handler called from the body's `end` stays inside however the body arrives.
 */
export function installRequestTracing(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?', 1)[0],
          'request.id': request.id,
          ...(route ? { 'http.route': route } : {}),
        },
      },
      parent,
    )
    spans.set(request, span)
    const active = trace.setSpan(parent, span)
    context.bind(active, request.raw)
    context.with(active, done)
  })
  app.addHook('onResponse', (request, reply, done) => {
    endRequestSpan(request, reply.statusCode)
    done()
  })
  app.addHook('onRequestAbort', (request, done) => {
    endRequestSpan(request, undefined)
    done()
  })
}

function endRequestSpan(request: FastifyRequest, statusCode: number | undefined): void {
  const span = spans.get(request)
  if (!span) return
  spans.delete(request)
  if (statusCode === undefined) span.setAttribute('http.request.aborted', true)
  else {
    span.setAttribute('http.response.status_code', statusCode)
    if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
  }
  span.end()
}
