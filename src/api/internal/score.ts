import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { requireDigitSegment } from '../path-converters.js'
import { DetailError } from '../schemas/common.js'
import { formatV2ScoreResponse, V2ScoreResponse } from '../schemas/score.js'
import { rowIdOf } from '../row-ids.js'
import { scoringDeps } from '../scoring-deps.js'
import { DomainError } from '../../domain/errors.js'
import { scorePassportInCommunity } from '../../domain/score-passport.js'

// endpoints Endpoint 7: the same scoring operation, community by id only (no account check), and a
// run that ended in ERROR is a 500 here — after the ERROR row was written.
export const internalScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/score/v2/:scorer_id/:address',
    {
      onRequest: [requireDigitSegment('scorer_id'), requireInternalKey(app.config)],
      schema: {
        tags: ['internal'],
        summary: 'Score an address for a community (internal key)',
        security: [{ internalKey: [] }],
        params: Type.Object({ scorer_id: Type.String(), address: Type.String() }),
        response: { 200: V2ScoreResponse, 400: DetailError, 401: DetailError, 404: DetailError, 500: DetailError },
      },
    },
    async (request) => {
      const score = await scorePassportInCommunity(
        scoringDeps(app, request),
        request.params.address,
        rowIdOf(request.params.scorer_id),
      )
      if (score.error !== null) throw new DomainError('internal', 'Failed to calculate score.')
      return formatV2ScoreResponse(score)
    },
  )
}
