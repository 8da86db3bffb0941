import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireCeramicJwt } from '../auth/ceramic-jwt.js'
import { requireStrSegments } from '../path-converters.js'
import { DetailError, ValidationListOrText } from '../schemas/common.js'
import { DATABASE_UNAVAILABLE, NO_VALID_TOKEN, responses } from '../schemas/responses.js'
import { acceptTos, isTosAccepted, tosToSign } from '../../domain/tos.js'

// endpoints §5.10–§5.12: terms of service. `{str:tos_type}/{str:address}` — empty segments are no route.
const TosPath = Type.Object({
  tos_type: Type.String({ description: 'The terms of service, by type (e.g. `IST`)' }),
  address: Type.String({ description: 'The Ethereum address that accepts the terms' }),
})
const TosSigned = Type.Object({
  tos_type: Type.String(),
  nonce: Type.String(),
  signature: Type.String({ maxLength: 132 }),
})

export const ceramicCacheTosRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auth = [requireStrSegments('tos_type', 'address'), requireCeramicJwt(app.jwtKeys)]

  app.get(
    '/ceramic-cache/tos/accepted/:tos_type/:address',
    {
      onRequest: auth,
      schema: {
        operationId: 'ceramic_cache_tos_accepted',
        tags: ['ceramic-cache'],
        summary: 'Check that tos was accepted',
        description: 'Whether the path address has a proof for the active terms of that type (any token may ask).',
        security: [{ jwt: [] }],
        params: TosPath,
        response: responses({
          200: [Type.Object({ accepted: Type.Boolean() }), 'Accepted or not'],
          401: NO_VALID_TOKEN,
          404: [DetailError, 'An empty path segment'],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request) => ({ accepted: await isTosAccepted(app.sql, request.params.address, request.params.tos_type) }),
  )

  app.get(
    '/ceramic-cache/tos/message-to-sign/:tos_type/:address',
    {
      onRequest: auth,
      schema: {
        operationId: 'ceramic_cache_tos_message_to_sign',
        tags: ['ceramic-cache'],
        summary: 'Get the tos message to sign',
        description:
          'The active, final terms of that type followed by a blank line and `Nonce: <nonce>`, with a new ' +
          'single-use nonce (no expiry) stored in account_nonce.',
        security: [{ jwt: [] }],
        params: TosPath,
        response: responses({
          200: [Type.Object({ text: Type.String(), nonce: Type.String() }), 'The text to sign'],
          401: NO_VALID_TOKEN,
          404: [DetailError, 'No active, final terms of that type (Python: 500)'],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request) => tosToSign(app.sql, request.params.tos_type),
  )

  app.post(
    '/ceramic-cache/tos/signed-message/:tos_type/:address',
    {
      onRequest: auth,
      schema: {
        operationId: 'ceramic_cache_tos_accept',
        tags: ['ceramic-cache'],
        summary: 'Accept the tos',
        description:
          "Spends the body's nonce, recovers the signer of the terms' text with that nonce, and stores the proof " +
          "once per signer and terms. The body's tos_type is the one used; the path is not.",
        security: [{ jwt: [] }],
        params: TosPath,
        body: TosSigned,
        response: responses({
          200: [Type.Null(), 'Accepted'],
          400: [DetailError, 'Failed to process the tos acceptance proof'],
          401: NO_VALID_TOKEN,
          404: [DetailError, 'An empty path segment'],
          422: [ValidationListOrText, 'A path, query or body value failed validation'],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request) => {
      await acceptTos(app.sql, {
        type: request.body.tos_type,
        nonce: request.body.nonce,
        signature: request.body.signature,
      })
      return null
    },
  )
}
