import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError } from '../schemas/common.js'
import { EXAMPLE_SCORER_ID, EXAMPLE_WEIGHTS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { formatWeightsJson, WeightsResponse } from '../schemas/weights.js'
import { loadScorerWeights, ScorerWeightsCache } from '../../domain/weights.js'

// endpoints Endpoint 8 (deprecated in Python in favour of /internal/embed/config): no auth.
export const embedWeightsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // One cache per app, standing in for Python's 60 s Redis entry (see ScorerWeightsCache).
  const cache = new ScorerWeightsCache()
  app.get(
    '/internal/embed/weights',
    {
      schema: {
        tags: ['internal'],
        operationId: 'internal_embed_weights',
        summary: 'Weights of a scorer (default: CERAMIC_CACHE_SCORER_ID)',
        description:
          "The scorer's weight per stamp provider, integral ones written `1.0`; cached for 60 seconds. " +
          'Deprecated in Python in favour of /internal/embed/config (not served).',
        deprecated: true,
        querystring: Type.Object({
          community_id: Type.Optional(
            Type.String({
              description:
                'The community id, read as Python `int()` reads it; absent or empty: CERAMIC_CACHE_SCORER_ID',
              examples: [String(EXAMPLE_SCORER_ID)],
            }),
          ),
        }),
        response: responses(
          {
            200: [WeightsResponse, 'Weight per stamp provider', { example: EXAMPLE_WEIGHTS }],
            500: [
              DetailError,
              'The default community is unset or unknown, or its scorer has no weights',
              { example: { detail: 'Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=None' } },
            ],
          },
          {
            404: [
              DetailError,
              '`community_id` is not an integer or names no community',
              { example: { detail: 'Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=None' } },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const weights = await loadScorerWeights(app.sql, cache, {
        communityId: request.query.community_id,
        defaultCommunityId: app.config.ceramicCacheScorerId,
        nowMs: Date.now(),
      })
      const body = formatWeightsJson(weights)
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
}
