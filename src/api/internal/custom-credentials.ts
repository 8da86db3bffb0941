import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
import { responses } from '../schemas/responses.js'
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
        operationId: 'internal_custom_credential_definition',
        summary: 'Definition of a custom credential ruleset',
        description: 'The stored definition of the custom credential ruleset behind a provider id, as stored.',
        security: [{ internalKey: [] }],
        params: Type.Object({
          provider_id: Type.String({
            description: 'The provider id, `#` sent as `%23` (a double-encoded `%2523` works too)',
            examples: ['DEVEL#Name#1a2b3c4d'],
          }),
        }),
        response: responses({
          200: [
            Type.Unsafe<string>(Type.Object({ ruleset: Type.Unknown({ description: 'The definition, as stored' }) })),
            "The ruleset's definition",
          ],
          401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
          404: [DetailError, 'No ruleset has this provider id', { example: { detail: 'Not Found' } }],
        }),
      },
    },
    async (request, reply) => {
      const definitionJson = await loadCredentialDefinitionJson(app.sql, request.params.provider_id)
      return reply.type('application/json; charset=utf-8').send(`{"ruleset": ${definitionJson}}`)
    },
  )
}
