import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireApiKey } from '../auth/api-key.js'
import { StampMetadataPlatformWire } from '../schemas/stamp-metadata.js'
import { DetailError } from '../schemas/common.js'
import { API_KEY_MISSING_OR_INVALID, responses } from '../schemas/responses.js'
import type { StampMetadataSource } from '../../domain/stamp-metadata.js'

export interface StampMetadataRouteOptions {
  stampMetadata: StampMetadataSource
}

// endpoints §18: the platforms and stamps of the Passport app, from its public stampMetadata.json.
export const v2StampMetadataRoutes: FastifyPluginAsyncTypebox<StampMetadataRouteOptions> = async (app, options) => {
  app.get(
    '/v2/stamps/metadata',
    {
      // The sync Django `ApiKey` (endpoints §1.3.1): demo aliases on either header; no response in the analytics row.
      onRequest: requireApiKey(app.config, app.sql, { aliasBothHeaders: true, trackUsage: true, trackResponse: false }),
      schema: {
        operationId: 'v2_api_api_stamps_stamp_display',
        tags: ['v2'],
        summary: 'Receive all Stamps available in Passport',
        description:
          "Every platform of the Passport app with its stamp groups and stamps, read from the app's public " +
          'stampMetadata.json (cached for an hour; an expired copy is served while the file cannot be fetched).',
        security: [{ apiKey: [] }],
        response: responses({
          200: [Type.Array(StampMetadataPlatformWire), 'The platforms, in the order of the file'],
          401: API_KEY_MISSING_OR_INVALID,
          500: [
            DetailError,
            'The file could not be fetched and no copy was cached: "Error fetching external stamp metadata"',
          ],
        }),
      },
    },
    async () => options.stampMetadata.listPlatforms(),
  )
}
