import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError } from '../schemas/common.js'
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
        summary: 'Weights of a scorer (default: CERAMIC_CACHE_SCORER_ID)',
        deprecated: true,
        querystring: Type.Object({ community_id: Type.Optional(Type.String()) }),
        response: { 200: WeightsResponse, 500: DetailError },
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
