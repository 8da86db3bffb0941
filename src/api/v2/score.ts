import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { formatV2ScoreResponse, V2ScoreResponse } from '../schemas/score.js'
import { scoringDeps } from '../scoring-deps.js'
import { scorePassportForAccount } from '../../domain/score-passport.js'

// endpoints Endpoint 1: auth → scorer_id validation → demo id → community for the key's account →
// address → scoring (a failed run is still a 200 with `error`).
export const v2ScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v2/stamps/:scorer_id/score/:address',
    {
      onRequest: requireApiKey(app.config, app.sql, { aliasBothHeaders: false, trackUsage: true }),
      schema: {
        tags: ['v2'],
        summary: 'Score an address for a scorer (computes and stores the score)',
        security: [{ apiKey: [] }],
        params: Type.Object({ scorer_id: Type.Integer(), address: Type.String() }),
        response: {
          200: V2ScoreResponse,
          400: DetailError,
          401: DetailError,
          404: DetailError,
          422: ValidationErrorList,
          500: DetailError,
        },
      },
    },
    async (request) => {
      const score = await scorePassportForAccount(scoringDeps(app, request), {
        scorerId: request.params.scorer_id,
        accountId: request.apiKey!.accountId,
        address: request.params.address,
      })
      return formatV2ScoreResponse(score)
    },
  )
}
