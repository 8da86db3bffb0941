import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { EXAMPLE_ADDRESS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
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
        operationId: 'internal_contributor_statistics',
        summary: 'Grants and protocol contribution statistics of an address',
        description:
          'How many grants the address contributed to and how much, from the cgrants and protocol ' +
          'contribution tables, both written as floats (`3.0`).',
        security: [{ internalKey: [] }],
        querystring: Type.Object({
          address: Type.String({
            description: 'The address (a mixed-case one needs a correct checksum)',
            examples: [EXAMPLE_ADDRESS],
          }),
        }),
        response: responses(
          {
            // The documented shape; the handler sends the JSON text itself (Python float spelling).
            200: [
              Type.Unsafe<string>(
                Type.Object({ num_grants_contribute_to: Type.Number(), total_contribution_amount: Type.Number() }),
              ),
              'The statistics',
              { example: { num_grants_contribute_to: 0, total_contribution_amount: 0 } },
            ],
            400: [DetailError, 'The address is not an Ethereum address', { example: { detail: 'Invalid address.' } }],
            401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          },
          { 422: [ValidationErrorList, 'The `address` query parameter is missing'] },
        ),
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
