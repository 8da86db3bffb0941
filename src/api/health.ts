import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError } from './schemas/common.js'
import { responses } from './schemas/responses.js'
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
        schema: {
          tags: ['health'],
          operationId: url === '/health/' ? 'health' : 'health_without_slash',
          summary: 'Whether the service and its database answer',
          description: 'Answers `Ok` when the database answers a query within 2 seconds (Django serves `/health/`).',
          response: responses({
            200: [Type.String(), 'The database answered', { mediaType: 'text/html', example: 'Ok' }],
            503: [
              DetailError,
              'The database did not answer within 2 seconds',
              { example: { detail: 'Database unavailable' } },
            ],
          }),
        },
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
