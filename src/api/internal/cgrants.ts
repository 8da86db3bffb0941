import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
import { loadContributorStatistics } from '../../domain/cgrants.js'
import { PyFloat, pyJsonDumps } from '../../domain/formats/py-json.js'

// endpoints Endpoint 15. Python returns a raw JsonResponse with floats as Python writes them; its
// key order comes from a set (hash-seeded), so any fixed order is as good.
export const cgrantsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/cgrants/contributor_statistics',
    {
      onRequest: requireInternalKey(app.config),
      schema: {
        tags: ['internal'],
        summary: 'Grants and protocol contribution statistics of an address',
        security: [{ internalKey: [] }],
        querystring: Type.Object({ address: Type.String() }),
        response: {
          // The documented shape; the handler sends the JSON text itself (Python float spelling).
          200: Type.Unsafe<string>(
            Type.Object({ num_grants_contribute_to: Type.Number(), total_contribution_amount: Type.Number() }),
          ),
          400: DetailError,
          401: DetailError,
        },
      },
    },
    async (request, reply) => {
      const statistics = await loadContributorStatistics(app.sql, request.query.address)
      const body = pyJsonDumps({
        num_grants_contribute_to: new PyFloat(statistics.numGrantsContributeTo),
        total_contribution_amount: new PyFloat(statistics.totalContributionAmount),
      })
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
}
