import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { requireDigitSegment } from '../path-converters.js'
import { DetailError } from '../schemas/common.js'
import { EXAMPLE_ADDRESS, EXAMPLE_SCORER_ID } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
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
        operationId: 'internal_score_v2',
        summary: 'Score an address for a community (internal key)',
        description:
          'Scores the address for the community with this id, whatever account owns it, stores the score and ' +
          'answers it. A scoring run that fails is a 500, after its ERROR score was stored.',
        security: [{ internalKey: [] }],
        params: Type.Object({
          scorer_id: Type.String({
            description: 'The community id (digits only; anything else is no route, 404)',
            examples: [String(EXAMPLE_SCORER_ID)],
          }),
          address: Type.String({ description: 'The Ethereum address to score', examples: [EXAMPLE_ADDRESS] }),
        }),
        response: responses({
          200: [V2ScoreResponse, 'The score, as stored now'],
          400: [DetailError, 'The address is not an Ethereum address', { example: { detail: 'Invalid address.' } }],
          401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          404: [
            DetailError,
            'No community has this id',
            { example: { detail: 'No Community matches the given query.' } },
          ],
          500: [DetailError, 'The scoring run failed', { example: { detail: 'Failed to calculate score.' } }],
        }),
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
