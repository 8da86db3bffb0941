import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { DetailError } from '../schemas/common.js'
import { responses } from '../schemas/responses.js'

// endpoints Endpoint 4: the partner key (sync `ApiKey` semantics: aliases on either header; D5
// rejects revoked and expired keys) → its embed rate limit. No analytics.
export const embedValidateApiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/internal/embed/validate-api-key',
    {
      onRequest: requireApiKey(app.config, app.sql, { aliasBothHeaders: true, trackUsage: false }),
      schema: {
        tags: ['embed'],
        operationId: 'embed_validate_api_key',
        summary: "The embed rate limit of the caller's API key",
        description: 'Checks the partner API key and answers its embed rate limit, as stored (`""`: unlimited).',
        security: [{ apiKey: [] }],
        response: responses({
          200: [
            Type.Object({ embed_rate_limit: Type.Union([Type.String(), Type.Null()]) }),
            'The key is valid',
            { example: { embed_rate_limit: '125/15m' } },
          ],
          401: [DetailError, 'The API key is missing or not valid', { example: { detail: 'Invalid API Key.' } }],
        }),
      },
    },
    async (request) => ({ embed_rate_limit: request.apiKey!.embedRateLimit }),
  )
}
