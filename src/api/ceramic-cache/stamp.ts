import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { formatStamps, GetStampResponse } from '../schemas/stamps.js'
import { EXAMPLE_ADDRESS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { scoringDeps } from '../scoring-deps.js'
import { listStampsScoringOnce } from '../../domain/ceramic-cache.js'

// endpoints §5.4: no auth; lists the V1 stamps, and scores the address once if it has no score yet.
export const ceramicCacheStampRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ceramic-cache/stamp',
    {
      schema: {
        tags: ['ceramic-cache'],
        operationId: 'ceramic_cache_stamps',
        summary: "An address's stamps in the Passport app cache",
        description:
          "Lists the address's live stamps; when the address has no score yet for the Passport app's scorer " +
          '(CERAMIC_CACHE_SCORER_ID), scores it first. No auth.',
        querystring: Type.Object({
          address: Type.String({
            description: 'The address (lower-cased, not validated)',
            examples: [EXAMPLE_ADDRESS],
          }),
        }),
        response: responses(
          {
            200: [GetStampResponse, 'The stamps, in provider order'],
            400: [
              DetailError,
              'The address is not an Ethereum address (found when scoring)',
              { example: { detail: 'Invalid address.' } },
            ],
            422: [ValidationErrorList, 'The `address` query parameter is missing'],
          },
          {
            500: [
              DetailError,
              'CERAMIC_CACHE_SCORER_ID is not set',
              { example: { detail: 'CERAMIC_CACHE_SCORER_ID is not configured' } },
            ],
          },
        ),
      },
    },
    async (request) => {
      const stamps = await listStampsScoringOnce(scoringDeps(app, request), request.query.address)
      return formatStamps(stamps)
    },
  )
}
