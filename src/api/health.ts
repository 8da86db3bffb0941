import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError } from './schemas/common.js'
import { checkDatabaseAnswers } from '../domain/health.js'

// A load balancer's probe gives up after a few seconds; a frozen database must read as unhealthy
// before that, not after the request deadline.
const HEALTH_DATABASE_TIMEOUT_MS = 2_000

// Django serves `/health/` with body "Ok" (endpoints §16); `/health` answers directly instead of
// Django's 301, which probes treat the same. Unlike Django we also prove the database answers.
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const url of ['/health', '/health/']) {
    app.get(
      url,
      {
        schema: { tags: ['health'], response: { 200: Type.String(), 503: DetailError } },
      },
      async (request, reply) => {
        try {
          await checkDatabaseAnswers(app.sql, Math.min(HEALTH_DATABASE_TIMEOUT_MS, app.config.requestTimeoutMs))
        } catch (error) {
          request.log.error({ err: error }, 'health check: database did not answer')
          return reply.code(503).send({ detail: 'Database unavailable' })
        }
        return reply.type('text/html; charset=utf-8').send('Ok')
      },
    )
  }
}
