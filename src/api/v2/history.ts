import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { API_KEY_MISSING_OR_INVALID, responses } from '../schemas/responses.js'
import { getHistoricalScore, type HistoricalScore } from '../../domain/score-history.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

const HistoricalStampWire = Type.Object({
  score: Type.String(),
  dedup: Type.Boolean(),
  expiration_date: Nullable(Type.String()),
  source_wallet: Type.Optional(Type.String()),
})

/** V2ScoreResponse as the history fills it: `stamps` may be null, timestamps are the event's text. */
const HistoricalScoreWire = Type.Object({
  address: Type.String({ description: 'The address of the path, as written there' }),
  score: Type.String(),
  passing_score: Type.Boolean(),
  last_score_timestamp: Nullable(Type.String({ description: "As stored in the event: Django's `…T14:36:10.426Z`" })),
  expiration_timestamp: Nullable(Type.String()),
  threshold: Type.String(),
  error: Nullable(Type.String()),
  stamps: Nullable(Type.Record(Type.String(), HistoricalStampWire)),
  points_data: Type.Null(),
  possible_points_data: Type.Null(),
  linked_score: Type.Null(),
})

function formatHistoricalScore(score: HistoricalScore) {
  return {
    address: score.address,
    score: score.score.toFixed(5),
    passing_score: score.passingScore,
    last_score_timestamp: score.lastScoreTimestamp,
    expiration_timestamp: score.expirationTimestamp,
    threshold: score.threshold.toFixed(5),
    error: score.error,
    stamps: score.stamps,
    points_data: null,
    possible_points_data: null,
    linked_score: null,
  }
}

// endpoints §17: the score of an address at a past time, for keys with `historical_endpoint`.
export const v2ScoreHistoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v2/stamps/:scorer_id/score/:address/history',
    {
      // The sync Django `ApiKey` (endpoints §1.3.1): demo aliases on either header; no response in the analytics row.
      onRequest: requireApiKey(app.config, app.sql, { aliasBothHeaders: true, trackUsage: true, trackResponse: false }),
      schema: {
        operationId: 'v2_api_api_stamps_get_score_history',
        tags: ['v2'],
        summary: 'Retrieve historical Stamp-based unique humanity score for a specified address',
        description:
          'The score of an address for one of your scorers as it stood at `created_at` (an ISO 8601 date or ' +
          'time), rebuilt from the newest score update recorded at or before it. The API key needs the ' +
          'historical-endpoint permission, granted by the Passport team on request.',
        security: [{ apiKey: [] }],
        params: Type.Object({
          scorer_id: Type.Integer({ description: "The id of one of the API key's account's scorers" }),
          address: Type.String({ description: 'The Ethereum address, as stored in the events (case matters)' }),
        }),
        querystring: Type.Object({
          created_at: Type.String({ description: 'ISO 8601: `2024-10-26`, `2024-10-26T12:00:00Z`, …' }),
        }),
        response: responses({
          200: [HistoricalScoreWire, 'The score as it stood at `created_at`'],
          400: [DetailError, 'Empty created_at: "You must provide created_at as a query param."'],
          401: API_KEY_MISSING_OR_INVALID,
          403: [DetailError, 'The key lacks the permission: "Invalid permissions for action."'],
          404: [
            Type.Object({ detail: Type.String(), address: Type.Optional(Type.String()) }),
            'Unknown scorer ("No Community matches the given query.") or no score at that time ' +
              '("No Score Found for <address> at <created_at>", with `address`)',
          ],
          422: [ValidationErrorList, 'Missing created_at, or a scorer_id that is not an integer'],
        }),
      },
    },
    async (request) => {
      const score = await getHistoricalScore(app.sql, {
        scorerId: request.params.scorer_id,
        address: request.params.address,
        createdAt: request.query.created_at,
        accountId: request.apiKey!.accountId,
        hasHistoricalAccess: request.apiKey!.historicalEndpoint,
        demoApiScorerId: app.config.demoApiScorerId,
      })
      return formatHistoricalScore(score)
    },
  )
}
