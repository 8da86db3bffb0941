import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError } from '../schemas/common.js'

// endpoints Endpoint 4: the partner key (sync `ApiKey` semantics: aliases on either header; D5
// rejects revoked and expired keys) → its embed rate limit. No analytics.
export const embedValidateApiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/embed/validate-api-key',
    {
      onRequest: requireApiKey(app.config, app.sql, { aliasBothHeaders: true, trackUsage: false }),
      schema: {
        tags: ['embed'],
        summary: "The embed rate limit of the caller's API key",
        security: [{ apiKey: [] }],
        response: {
          200: Type.Object({ embed_rate_limit: Type.Union([Type.String(), Type.Null()]) }),
          401: DetailError,
        },
      },
    },
    async (request) => ({ embed_rate_limit: request.apiKey!.embedRateLimit }),
  )
}
