import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError } from '../schemas/common.js'
import { checkProofValuesForRevocation } from '../../domain/revocations.js'

// endpoints Endpoint 10. The 100-value cap is the handler's 422 with a detail string, not a
// validation list, so it is not expressed as maxItems here.
export const checkRevocationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/internal/check-revocations',
    {
      onRequest: requireInternalKey(app.config),
      schema: {
        tags: ['internal'],
        summary: 'Check proof values against revocations',
        security: [{ internalKey: [] }],
        body: Type.Object({ proof_values: Type.Array(Type.String()) }),
        response: {
          200: Type.Array(Type.Object({ proof_value: Type.String(), is_revoked: Type.Boolean() })),
          401: DetailError,
          500: DetailError,
        },
      },
    },
    async (request) => {
      const checks = await checkProofValuesForRevocation(app.sql, request.body.proof_values)
      return checks.map((check) => ({ proof_value: check.proofValue, is_revoked: check.isRevoked }))
    },
  )
}
