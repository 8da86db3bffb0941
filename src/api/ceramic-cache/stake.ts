import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireCeramicJwt } from '../auth/ceramic-jwt.js'
import { stakeJson, StakeWire } from '../internal/stakes.js'
import { DetailError } from '../schemas/common.js'
import { DATABASE_UNAVAILABLE, NO_VALID_TOKEN, responses } from '../schemas/responses.js'
import { loadGtcStakesOfAddress } from '../../domain/stakes.js'

// endpoints §5.8: the authenticated address's GTC stakes, in Endpoint 13's format.
export const ceramicCacheStakeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ceramic-cache/stake/gtc',
    {
      onRequest: requireCeramicJwt(app.jwtKeys),
      schema: {
        operationId: 'ceramic_cache_stake_gtc',
        tags: ['ceramic-cache'],
        summary: "GTC stakes of the token's address",
        description: 'The stake_stake rows where the address of the token is the staker or the stakee, by row id.',
        security: [{ jwt: [] }],
        response: responses({
          200: [Type.Unsafe<string>(Type.Object({ items: Type.Array(StakeWire) })), 'The stakes'],
          400: [DetailError, 'Error pulling GTC staking data'],
          401: NO_VALID_TOKEN,
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request, reply) => {
      const stakes = await loadGtcStakesOfAddress(app.sql, request.ceramicSubject!.address)
      return reply.type('application/json; charset=utf-8').send(`{"items": [${stakes.map(stakeJson).join(', ')}]}`)
    },
  )
}
