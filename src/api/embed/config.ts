import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DetailError, ValidationListOrText } from '../schemas/common.js'
import { DATABASE_UNAVAILABLE, responses } from '../schemas/responses.js'
import { loadEmbedConfig } from '../../domain/embed-config.js'
import { ScorerWeightsCache } from '../../domain/weights.js'
import { PyFloat, pyJsonDumps } from '../../domain/formats/py-json.js'

const EmbedConfigResponse = Type.Unsafe<string>(
  Type.Object({
    weights: Type.Record(Type.String(), Type.Number()),
    stamp_sections: Type.Array(
      Type.Object({
        title: Type.String(),
        order: Type.Integer(),
        items: Type.Array(Type.Object({ platform_id: Type.String(), order: Type.Integer() })),
      }),
    ),
  }),
)

// endpoints §21: no auth, like Endpoint 8.
export const embedConfigRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new ScorerWeightsCache()
  app.get(
    '/internal/embed/config',
    {
      schema: {
        operationId: 'internal_embed_config',
        tags: ['internal'],
        summary: 'Embed widget configuration: weights and stamp sections',
        description:
          "The scorer's weights (an empty community_id means CERAMIC_CACHE_SCORER_ID) and the stamp sections " +
          'of its customization, sections and platforms ordered by (order, id); no sections when it has none.',
        querystring: Type.Object({
          community_id: Type.String({ description: 'The scorer (community) id; empty: CERAMIC_CACHE_SCORER_ID' }),
        }),
        response: responses({
          200: [EmbedConfigResponse, 'The weights (as Endpoint 8) and the customized stamp sections'],
          404: [DetailError, 'community_id is not an integer or names no community'],
          422: [ValidationListOrText, 'community_id is missing'],
          500: [DetailError, 'CERAMIC_CACHE_SCORER_ID is unset or names no scorer (configuration)'],
          503: DATABASE_UNAVAILABLE,
        }),
      },
    },
    async (request, reply) => {
      const config = await loadEmbedConfig(
        app.sql,
        cache,
        {
          communityId: request.query.community_id,
          defaultCommunityId: app.config.ceramicCacheScorerId,
          nowMs: Date.now(),
        },
        request.log,
      )
      const body = pyJsonDumps({
        weights: Object.fromEntries(config.weights.map(([provider, weight]) => [provider, new PyFloat(weight)])),
        stamp_sections: config.stampSections,
      })
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )
}
