import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireCeramicJwt } from '../auth/ceramic-jwt.js'
import { requestDeadline } from '../request-lifecycle.js'
import { ValidationListOrText } from '../schemas/common.js'
import { DATABASE_UNAVAILABLE, NO_VALID_TOKEN, responses } from '../schemas/responses.js'
import { updateComposeDbStatuses } from '../../domain/compose-db-status.js'

const ComposeDbStatusPayload = Type.Array(
  Type.Object({
    id: Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
    compose_db_save_status: Type.Union([Type.Literal('pending'), Type.Literal('saved'), Type.Literal('failed')]),
    compose_db_stream_id: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
  }),
)

// endpoints §5.9.
export const ceramicCacheComposeDbRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.patch(
    '/ceramic-cache/stamps/bulk/meta/compose-db',
    {
      onRequest: requireCeramicJwt(app.jwtKeys),
      schema: {
        operationId: 'ceramic_cache_update_compose_db_status',
        tags: ['ceramic-cache'],
        summary: 'Record which cached stamps were saved to ComposeDB',
        description:
          "Sets compose_db_save_status (and compose_db_stream_id when given) on the token address's live, pending " +
          'stamps among the ids; answers the ids it updated.',
        security: [{ jwt: [] }],
        body: ComposeDbStatusPayload,
        response: responses({
          200: [Type.Object({ updated: Type.Array(Type.Integer()) }), 'The ids updated'],
          401: NO_VALID_TOKEN,
          422: [ValidationListOrText, 'More than 100 items, or an item of the wrong shape'],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request) => {
      const updated = await updateComposeDbStatuses(
        app.sql,
        request.ceramicSubject!.address,
        request.body.map((item) => ({
          id: item.id,
          status: item.compose_db_save_status,
          streamId: item.compose_db_stream_id,
        })),
        requestDeadline(request),
      )
      return { updated }
    },
  )
}
