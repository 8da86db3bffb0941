import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
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
        summary: 'Check if an address is on an allow list',
        security: [{ internalKey: [] }],
        params: Type.Object({ list: Type.String(), address: Type.String() }),
        response: { 200: Type.Object({ is_member: Type.Boolean() }), 401: DetailError, 404: DetailError },
      },
    },
    async (request) => ({
      is_member: await isAddressOnAllowList(app.sql, request.params.list, request.params.address),
    }),
  )
}
