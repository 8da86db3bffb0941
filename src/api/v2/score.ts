import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { V2ScoreResponse } from '../schemas/score.js'
import { scoringDeps } from '../scoring-deps.js'
import { DomainError } from '../../domain/errors.js'
import { isDatabaseUnavailable } from '../../db/errors.js'
import { resolveCommunityForAccount } from '../../domain/scorers.js'
import { scorePassport } from '../../domain/score-passport.js'

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
      const { scorer_id: requestedId, address } = request.params
      const scorerId = requestedId < 0 ? app.config.demoApiScorerId : requestedId
      try {
        const communityId = await resolveCommunityForAccount(app.sql, String(scorerId ?? ''), request.apiKey!.accountId)
        const outcome = await scorePassport(scoringDeps(app, request), address, communityId)
        return outcome.response
      } catch (error) {
        // The database being unreachable is a 503 (src/api/errors.ts), not a scoring failure.
        if (error instanceof DomainError || isDatabaseUnavailable(error)) throw error
        request.log.error({ err: error }, 'unexpected error while scoring')
        throw new DomainError('internal', 'Unexpected error while submitting passport')
      }
    },
  )
}
