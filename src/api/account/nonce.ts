import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DATABASE_UNAVAILABLE, responses } from '../schemas/responses.js'
import { issueLoginNonce } from '../../domain/siwe-login.js'

// endpoints §5.7: the nonce a SIWE login message carries.
export const accountNonceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/account/nonce',
    {
      schema: {
        operationId: 'account_nonce',
        tags: ['account'],
        summary: 'A single-use nonce for a SIWE login',
        description:
          'Stores a 60-character hexadecimal nonce in account_nonce, valid for 300 seconds and usable once by ' +
          'POST /ceramic-cache/authenticate/v2.',
        response: responses({
          200: [Type.Object({ nonce: Type.String() }), 'The nonce to put in the SIWE message'],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async () => ({ nonce: await issueLoginNonce(app.sql) }),
  )
}
