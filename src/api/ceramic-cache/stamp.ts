import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { GetStampResponse } from '../schemas/stamps.js'
import { scoringDeps } from '../scoring-deps.js'
import { listStampsScoringOnce, requireCeramicCacheScorerId } from '../../domain/ceramic-cache.js'

// endpoints §5.4: no auth; lists the V1 stamps, and scores the address once if it has no score yet.
export const ceramicCacheStampRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ceramic-cache/stamp',
    {
      schema: {
        tags: ['ceramic-cache'],
        summary: "An address's stamps in the Passport app cache",
        querystring: Type.Object({ address: Type.String() }),
        response: { 200: GetStampResponse, 400: DetailError, 422: ValidationErrorList },
      },
    },
    async (request) => {
      const scorerId = requireCeramicCacheScorerId(app.config.ceramicCacheScorerId)
      const stamps = await listStampsScoringOnce(scoringDeps(app, request), request.query.address, scorerId)
      return { success: true, stamps }
    },
  )
}
