import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireCeramicJwt } from '../auth/ceramic-jwt.js'
import { DetailError, ValidationErrorList, ValidationListOrText } from '../schemas/common.js'
import { formatV2ScoreResponse, V2ScoreResponse } from '../schemas/score.js'
import { rowIdOf } from '../row-ids.js'
import { EXAMPLE_ADDRESS, EXAMPLE_SCORER_ID } from '../schemas/examples.js'
import { DATABASE_UNAVAILABLE, NO_VALID_TOKEN, responses } from '../schemas/responses.js'
import { scoringDeps } from '../scoring-deps.js'
import { getAppScore } from '../../domain/ceramic-cache.js'
import { rescoreOnDemand } from '../../domain/app-rescore.js'
import { DomainError, invalidAddress } from '../../domain/errors.js'
import { normalizeAddress } from '../../domain/formats/eth-address.js'

// V2ScoreResponse without its $id, so that this response can carry its own description.

// endpoints Endpoint 6 with D8: the JWT's address is the one scored; another path address is 403.
export const ceramicCacheScoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ceramic-cache/score/:address',
    {
      onRequest: requireCeramicJwt(app.jwtKeys),
      schema: {
        tags: ['ceramic-cache'],
        operationId: 'ceramic_cache_score',
        summary: "The Passport app's score of the authenticated address (stored if unexpired, else re-scored)",
        description:
          "The signed-in address's stored score for the Passport app's scorer while it has not expired (with " +
          'human points when enabled); otherwise the address is scored again and that score is answered.',
        security: [{ jwt: [] }],
        params: Type.Object({
          address: Type.String({
            description: "Must be the token's address (compared without regard to case)",
            examples: [EXAMPLE_ADDRESS],
          }),
        }),
        querystring: Type.Object({
          alternate_scorer_id: Type.Optional(
            Type.Integer({
              description: 'Another scorer to read instead of CERAMIC_CACHE_SCORER_ID (0: the default)',
              examples: [EXAMPLE_SCORER_ID],
            }),
          ),
        }),
        response: responses({
          200: [V2ScoreResponse, 'The stored or new score'],
          400: [
            DetailError,
            'The address is not an Ethereum address, or scoring again failed',
            { example: { detail: 'Unable to get score for provided scorer.' } },
          ],
          401: [
            DetailError,
            'The token is missing, not `Bearer`, or not valid',
            { example: { detail: 'Unauthorized' } },
          ],
          403: [
            DetailError,
            "The path address is not the token's",
            { example: { detail: 'Address does not match the authenticated address.' } },
          ],
          404: [
            DetailError,
            'The scorer does not exist',
            {
              example: {
                detail:
                  'Community matching the configured scorer id does not exist! This is probably a misconfiguration!',
              },
            },
          ],
          422: [ValidationErrorList, '`alternate_scorer_id` is not an integer'],
        }),
      },
    },
    async (request) => {
      if (request.params.address.toLowerCase() !== request.ceramicSubject!.address.toLowerCase()) {
        throw new DomainError('forbidden', 'Address does not match the authenticated address.')
      }
      const address = normalizeAddress(request.ceramicSubject!.address)
      if (address === null) throw invalidAddress()
      // parity: `alternate_scorer_id or CERAMIC_CACHE_SCORER_ID` — 0 falls back too.
      const requested = request.query.alternate_scorer_id
      const score = await getAppScore(scoringDeps(app, request), {
        address,
        scorerId: requested ? rowIdOf(requested) : undefined,
      })
      return formatV2ScoreResponse(score)
    },
  )
  // endpoints §6.7: a fresh score on demand, for the same address D8 allows.
  app.post(
    '/ceramic-cache/score/:address',
    {
      onRequest: requireCeramicJwt(app.jwtKeys),
      schema: {
        operationId: 'ceramic_cache_calc_score',
        tags: ['ceramic-cache'],
        summary: 'Score the authenticated address now',
        description:
          'Runs the scoring for the community alternate_scorer_id (else CERAMIC_CACHE_SCORER_ID), writing ' +
          'registry_score and an SCU event, and answers the fresh score.',
        security: [{ jwt: [] }],
        params: Type.Object({
          address: Type.String({ description: "Must be the token's address (compared without regard to case)" }),
        }),
        body: Type.Object({ alternate_scorer_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])) }),
        response: responses({
          200: [V2ScoreResponse, 'The fresh score'],
          400: [DetailError, 'Invalid address. (the token names no address)'],
          401: NO_VALID_TOKEN,
          403: [DetailError, 'Address does not match the authenticated address.'],
          404: [DetailError, 'Not Found: no community with that id'],
          422: [ValidationListOrText, 'The body is not {"alternate_scorer_id"?: int | null}'],
          500: [
            DetailError,
            'Scorer ID not set: neither alternate_scorer_id nor CERAMIC_CACHE_SCORER_ID (configuration)',
          ],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request) => {
      if (request.params.address.toLowerCase() !== request.ceramicSubject!.address.toLowerCase()) {
        throw new DomainError('forbidden', 'Address does not match the authenticated address.')
      }
      const requested = request.body.alternate_scorer_id
      // An id beyond any row is the missing community's 404, not "unset" (row-ids.ts maps it to 0).
      if (requested && rowIdOf(requested) === 0) throw new DomainError('not_found', 'Not Found')
      const score = await rescoreOnDemand(scoringDeps(app, request), {
        address: request.ceramicSubject!.address,
        alternateScorerId: requested ?? undefined,
      })
      return formatV2ScoreResponse(score)
    },
  )
}
