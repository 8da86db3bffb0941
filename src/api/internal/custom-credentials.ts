import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
import { requireStrSegments } from '../path-converters.js'
import { loadCredentialDefinitionJson } from '../../domain/custom-credentials.js'

// endpoints Endpoint 12. The definition is sent as PostgreSQL's jsonb text rather than re-encoded,
// so numbers keep their stored spelling ("1.0") as Python's json round trip does.
export const customCredentialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/customization/credential/:provider_id',
    {
      onRequest: [requireStrSegments('provider_id'), requireInternalKey(app.config)],
      schema: {
        tags: ['internal'],
        summary: 'Definition of a custom credential ruleset',
        security: [{ internalKey: [] }],
        params: Type.Object({ provider_id: Type.String() }),
        response: {
          200: Type.Unsafe<string>(Type.Object({ ruleset: Type.Unknown() })),
          401: DetailError,
          404: DetailError,
        },
      },
    },
    async (request, reply) => {
      const definitionJson = await loadCredentialDefinitionJson(app.sql, request.params.provider_id)
      return reply.type('application/json; charset=utf-8').send(`{"ruleset": ${definitionJson}}`)
    },
  )
}
