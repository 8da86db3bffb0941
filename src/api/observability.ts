import type { FastifyInstance } from 'fastify'
import type { MetricSources } from '../domain/metrics.js'
import { installMetrics } from './metrics.js'
import { installRequestIdHeader, installRequestTracing } from './request-tracing.js'

/**
 * The request id header always; the request spans with OTEL_ENABLED (the SDK itself is started by
 * src/telemetry.ts); /metrics with METRICS_ENABLED. Installed before every other hook, so the
 * request span covers them.
 */
export async function installObservability(app: FastifyInstance, sources: MetricSources): Promise<void> {
  installRequestIdHeader(app)
  if (app.config.otelEnabled) installRequestTracing(app)
  if (app.config.metricsEnabled) await installMetrics(app, sources)
}
