import type { FastifyInstance } from 'fastify'
import type { MetricSources, ScoringMetrics } from '../domain/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when METRICS_ENABLED is on: what scoring counts (src/api/scoring-deps.ts passes it on). */
    scoringMetrics?: ScoringMetrics
  }
}

// Route pattern of a request no route matched: the raw URL would make one series per probe.
const UNMATCHED_ROUTE = '(unmatched)'

/**
 * GET /metrics in the Prometheus text format, and the request durations it reports. Operator-only:
 * no auth and no rate limit, so it must be reachable from the internal network only
 * (docs/observability.md). Without METRICS_ENABLED neither exists, and /metrics is a 404.
 */
export async function installMetrics(app: FastifyInstance, sources: MetricSources): Promise<void> {
  const { createServiceMetrics } = await import('../domain/metrics.js')
  const metrics = createServiceMetrics(sources)
  app.decorate('scoringMetrics', metrics)
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE
    metrics.observeRequest({ method: request.method, route, statusCode: reply.statusCode }, reply.elapsedTime / 1000)
    done()
  })
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.render()
    return reply.type(metrics.contentType).send(text)
  })
}
