import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireDigitSegment } from '../path-converters.js'
import { DetailError } from '../schemas/common.js'
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
        summary: 'Score an address and list its stamps (embed widget)',
        params: Type.Object({ scorer_id: Type.String(), address: Type.String() }),
        response: { 200: GetStampsWithScoreResponse, 400: DetailError, 404: DetailError },
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
