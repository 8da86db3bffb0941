import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ValidationFailure } from '../errors.js'
import { DetailError, ValidationListOrText } from '../schemas/common.js'
import { DATABASE_UNAVAILABLE, responses } from '../schemas/responses.js'
import { loginWithSiwe, mainnetRpcUrl } from '../../domain/siwe-login.js'
import { isPlainObject } from '../../domain/formats/py-values.js'

// endpoints §5.6: SIWE login. Python's Lambda serves both paths with this handler; Django only /v2.
const PATHS = ['/ceramic-cache/authenticate/v2', '/ceramic-cache/authenticate'] as const

const SiweVerifySubmit = Type.Object({
  message: Type.Object({}, { additionalProperties: true, description: 'The SIWE message fields, camelCase' }),
  signature: Type.String({ description: 'EIP-191 signature of the EIP-4361 text, 0x-prefixed hex' }),
})

const AccessTokenResponse = Type.Object({
  access: Type.String(),
  intercom_user_hash: Type.Union([Type.String(), Type.Null()]),
})

// pydantic's `dict` field refuses anything but an object with `dict_type` (AJV would say "model").
async function requireMessageObject(request: FastifyRequest): Promise<void> {
  const body = request.body
  if (isPlainObject(body) && 'message' in body && !isPlainObject(body.message)) {
    throw new ValidationFailure([
      { type: 'dict_type', loc: ['body', 'payload', 'message'], msg: 'Input should be a valid dictionary' },
    ])
  }
}

export const ceramicCacheAuthenticateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const url of PATHS) {
    app.post(
      url,
      {
        preValidation: requireMessageObject,
        schema: {
          operationId: url.endsWith('/v2') ? 'ceramic_cache_authenticate_v2' : 'ceramic_cache_authenticate',
          tags: ['ceramic-cache'],
          summary: 'Log in with Sign-In with Ethereum',
          description:
            'Checks the SIWE message (domain, expiry, the nonce from GET /account/nonce, consumed before the ' +
            'signature check) and its signature (an EOA, else ERC-6492 / ERC-1271 through a mainnet eth_call), ' +
            'then issues a 7-day RS256 token whose `did` is did:pkh:eip155:1:<address>.',
          body: SiweVerifySubmit,
          response: responses({
            200: [AccessTokenResponse, 'The RS256 access token of the ceramic-cache endpoints'],
            400: [
              DetailError,
              'Missing address or nonce!, Invalid address format!, Verification failed!, Invalid nonce!, ' +
                'Invalid signature! or Authentication failed!',
            ],
            422: [ValidationListOrText, 'The body is not {"message": {…}, "signature": "…"}'],
            503: DATABASE_UNAVAILABLE,
          }),
        },
      },
      async (request) => {
        const access = await loginWithSiwe(
          {
            db: app.sql,
            allowedDomains: app.config.siweAllowedDomainsCeramicCache,
            rpcUrl: mainnetRpcUrl(app.config),
            privateKey: app.jwtKeys.siwePrivateKey,
            log: request.log,
          },
          { message: request.body.message as Record<string, unknown>, signature: request.body.signature },
        )
        return { access, intercom_user_hash: null }
      },
    )
  }
}
