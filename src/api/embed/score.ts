import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireDigitSegment } from '../path-converters.js'
import { DetailError } from '../schemas/common.js'
import { EXAMPLE_ADDRESS, EXAMPLE_SCORER_ID } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { formatStampsWithScore, GetStampsWithScoreResponse } from '../schemas/stamps.js'
import { rowIdOf } from '../row-ids.js'
import { scoringDeps } from '../scoring-deps.js'
import { rescoreAndListStamps } from '../../domain/stamp-updates.js'

// endpoints Endpoint 2: no auth (baseline and production); re-scores, then lists the V1 stamps.
export const embedScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/embed/score/:scorer_id/:address',
    {
      onRequest: requireDigitSegment('scorer_id'),
      schema: {
        tags: ['embed'],
        operationId: 'embed_score',
        summary: 'Score an address and list its stamps (embed widget)',
        description:
          'Scores the address for the scorer (found for the account that owns community `scorer_id`), then ' +
          "lists its stamps in the Passport app's cache. No auth.",
        params: Type.Object({
          scorer_id: Type.String({
            description: 'The community id (digits only; else no route, 404)',
            examples: [String(EXAMPLE_SCORER_ID)],
          }),
          address: Type.String({ description: 'The Ethereum address to score', examples: [EXAMPLE_ADDRESS] }),
        }),
        response: responses({
          200: [GetStampsWithScoreResponse, 'The stamps, and the score as stored now'],
          400: [
            DetailError,
            'No community has this id, or the address is not an Ethereum address',
            { example: { detail: 'Invalid scorer_id' } },
          ],
          404: [
            DetailError,
            "No scorer of the community owner's account matches, or `scorer_id` is not all digits",
            { example: { detail: 'No scorer matches the given criteria.' } },
          ],
        }),
      },
    },
    async (request) => {
      const result = await rescoreAndListStamps(scoringDeps(app, request), {
        scorerId: rowIdOf(request.params.scorer_id),
        address: request.params.address,
      })
      return formatStampsWithScore(result)
    },
  )
}
