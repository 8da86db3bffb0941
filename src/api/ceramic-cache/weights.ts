import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError } from '../schemas/common.js'
import { formatWeightsJson, WeightsResponse } from '../schemas/weights.js'
import { loadScorerWeights, ScorerWeightsCache } from '../../domain/weights.js'

// endpoints §5.5: Endpoint 8's logic for CERAMIC_CACHE_SCORER_ID, no auth.
export const ceramicCacheWeightsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new ScorerWeightsCache()
  app.get(
    '/ceramic-cache/weights',
    {
      schema: {
        tags: ['ceramic-cache'],
        summary: "Weights of the Passport app's scorer",
        response: { 200: WeightsResponse, 500: DetailError },
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
