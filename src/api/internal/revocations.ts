import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireInternalKey } from '../auth/internal-key.js'
import { DetailError, ValidationErrorList } from '../schemas/common.js'
import { responses } from '../schemas/responses.js'
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
        operationId: 'internal_check_revocations',
        summary: 'Check proof values against revocations',
        description: 'One answer per requested proof value, in request order (at most 100 values).',
        security: [{ internalKey: [] }],
        body: Type.Object({
          proof_values: Type.Array(Type.String(), { description: "The credentials' `proof.proofValue`s" }),
        }),
        response: responses(
          {
            200: [
              Type.Array(Type.Object({ proof_value: Type.String(), is_revoked: Type.Boolean() })),
              'Whether each proof value is revoked',
              { example: [{ proof_value: '0xabc', is_revoked: false }] },
            ],
            401: [DetailError, 'The internal key is missing or wrong', { example: { detail: 'Unauthorized' } }],
            500: [
              DetailError,
              'Reading the revocations failed',
              { example: { detail: 'Failed to check revocations' } },
            ],
          },
          {
            422: [
              Type.Union([DetailError, ValidationErrorList]),
              'More than 100 values (a `detail` text), or a body that is not `{"proof_values": [string, …]}` (a list)',
              { example: { detail: 'You have submitted too many stamps.' } },
            ],
          },
        ),
      },
    },
    async (request) => {
      const checks = await checkProofValuesForRevocation(app.sql, request.body.proof_values)
      return checks.map((check) => ({ proof_value: check.proofValue, is_revoked: check.isRevoked }))
    },
  )
}
