import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError } from '../schemas/common.js'
import { formatWeightsJson, WeightsResponse } from '../schemas/weights.js'
import { EXAMPLE_WEIGHTS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { loadScorerWeights, ScorerWeightsCache } from '../../domain/weights.js'

// endpoints §5.5: Endpoint 8's logic for CERAMIC_CACHE_SCORER_ID, no auth.
export const ceramicCacheWeightsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new ScorerWeightsCache()
  app.get(
    '/ceramic-cache/weights',
    {
      schema: {
        tags: ['ceramic-cache'],
        operationId: 'ceramic_cache_weights',
        summary: "Weights of the Passport app's scorer",
        description:
          'The weight per stamp provider of the scorer CERAMIC_CACHE_SCORER_ID, as /internal/embed/weights ' +
          'answers without `community_id`. No auth.',
        response: responses({
          200: [WeightsResponse, 'Weight per stamp provider', { example: EXAMPLE_WEIGHTS }],
          500: [
            DetailError,
            'CERAMIC_CACHE_SCORER_ID is unset or unknown, or its scorer has no weights',
            { example: { detail: 'Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=None' } },
          ],
        }),
      },
    },
    async (_request, reply) => {
      const weights = await loadScorerWeights(app.sql, cache, {
        communityId: undefined,
        defaultCommunityId: app.config.ceramicCacheScorerId,
        nowMs: Date.now(),
      })
      const body = formatWeightsJson(weights)
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
}
