import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
import { EXAMPLE_ADDRESS } from '../schemas/examples.js'
import { responses } from '../schemas/responses.js'
import { requireStrSegments } from '../path-converters.js'
import { isAddressOnAllowList } from '../../domain/allow-list.js'

// endpoints Endpoint 11.
export const allowListRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/allow-list/:list/:address',
    {
      onRequest: [requireStrSegments('list', 'address'), requireInternalKey(app.config)],
      schema: {
        tags: ['internal'],
        operationId: 'internal_allow_list_membership',
        summary: 'Check if an address is on an allow list',
        description:
          'Whether the address (lower-cased, not validated) is on the named address list; an unknown list has no members.',
        security: [{ internalKey: [] }],
        params: Type.Object({
          list: Type.String({ description: 'The list name, compared exactly', examples: ['testList'] }),
          address: Type.String({ description: 'The address to look up (any case)', examples: [EXAMPLE_ADDRESS] }),
        }),
        response: responses({
          200: [
            Type.Object({ is_member: Type.Boolean() }),
            'Whether the address is on the list',
            { example: { is_member: false } },
          ],
          401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          404: [DetailError, 'An empty `list` or `address` segment is no route', { example: { detail: 'Not Found' } }],
        }),
      },
    },
    async (request) => ({
      is_member: await isAddressOnAllowList(app.sql, request.params.list, request.params.address),
    }),
  )
}
