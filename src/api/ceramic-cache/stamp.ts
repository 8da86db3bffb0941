import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { formatStamps, GetStampResponse } from '../schemas/stamps.js'
import { scoringDeps } from '../scoring-deps.js'
import { listStampsScoringOnce } from '../../domain/ceramic-cache.js'

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
      const stamps = await listStampsScoringOnce(scoringDeps(app, request), request.query.address)
      return formatStamps(stamps)
    },
  )
}
