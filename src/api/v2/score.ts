import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { EXAMPLE_ADDRESS, EXAMPLE_SCORER_ID } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { formatV2ScoreResponse, V2ScoreResponse } from '../schemas/score.js'
import { scoringDeps } from '../scoring-deps.js'
import { readAccountScoringAlongsideKey, scorePassportForAccount } from '../../domain/score-passport.js'

// endpoints Endpoint 1: auth → scorer_id validation → demo id → community for the key's account →
// address → scoring (a failed run is still a 200 with `error`).
export const v2ScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v2/stamps/:scorer_id/score/:address',
    {
      onRequest: requireApiKey(app.config, app.sql, {
        aliasBothHeaders: false,
        trackUsage: true,
        // The key's read carries the scoring's: a warm rescore is two round trips in all.
        readAlongside: (request) => {
          const params = request.params as { scorer_id?: string; address?: string }
          return readAccountScoringAlongsideKey(app.config, params.scorer_id ?? '', params.address ?? '')
        },
      }),
      schema: {
        tags: ['v2'],
        // Python's operationId, so clients generated from its /v2 document keep their method names.
        operationId: 'v2_api_api_stamps_a_submit_passport',
        summary: 'Score an address for a scorer (computes and stores the score)',
        description:
          "Scores the address with the stamps in the Passport app's cache, stores the score and answers it " +
          'with the weight each stamp added. A scoring run that fails still answers 200, with `error` set.',
        security: [{ apiKey: [] }],
        params: Type.Object({
          scorer_id: Type.Integer({
            description: "The id (or external id) of one of the API key's account's scorers; negative: the demo scorer",
            examples: [EXAMPLE_SCORER_ID],
          }),
          address: Type.String({
            description: 'The Ethereum address to score (any case)',
            examples: [EXAMPLE_ADDRESS],
          }),
        }),
        response: responses({
          200: [V2ScoreResponse, 'The score, as stored now'],
          400: [DetailError, 'The address is not an Ethereum address', { example: { detail: 'Invalid address.' } }],
          401: [DetailError, 'The API key is missing or not valid', { example: { detail: 'Invalid API Key.' } }],
          404: [
            DetailError,
            "No scorer of the key's account has this id",
            { example: { detail: 'No scorer matches the given criteria.' } },
          ],
          422: [ValidationErrorList, '`scorer_id` is not an integer'],
          500: [
            DetailError,
            'An unexpected failure',
            { example: { detail: 'Unexpected error while submitting passport' } },
          ],
        }),
      },
    },
    async (request) => {
      const score = await scorePassportForAccount(scoringDeps(app, request), {
        scorerId: request.params.scorer_id,
        accountId: request.apiKey!.accountId,
        address: request.params.address,
        readAlongsideKey: request.readAlongsideApiKey,
      })
      return formatV2ScoreResponse(score)
    },
  )
}
