import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireDigitSegment } from '../path-converters.js'
import { DetailError } from '../schemas/common.js'
import { GetStampsWithScoreResponse } from '../schemas/stamps.js'
import { rowIdOf } from '../row-ids.js'
import { scoringDeps } from '../scoring-deps.js'
import { listCachedStamps, rescoreForCommunityOwner } from '../../domain/ceramic-cache.js'
import { DomainError } from '../../domain/errors.js'

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
      const address = request.params.address.toLowerCase()
      const outcome = await rescoreForCommunityOwner(
        scoringDeps(app, request),
        address,
        rowIdOf(request.params.scorer_id),
        new DomainError('bad_request', 'Invalid scorer_id'),
      )
      const stamps = await listCachedStamps(app.sql, address, { type: 1 })
      return { success: true, stamps, score: outcome.response }
    },
  )
}
