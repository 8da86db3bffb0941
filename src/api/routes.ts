import type { FastifyInstance } from 'fastify'
import { healthRoutes } from './health.js'
import { v2ScoreRoutes } from './v2/score.js'
import { v2ScoreHistoryRoutes } from './v2/history.js'
import { v2PassportStampsRoutes } from './v2/stamps.js'
import { v2StampMetadataRoutes } from './v2/metadata.js'
import { v2ModelScoreRoutes } from './v2/models.js'
import { StampMetadataSource } from '../domain/stamp-metadata.js'
import { internalScoreRoutes } from './internal/score.js'
import { embedWeightsRoutes } from './internal/weights.js'
import { checkBansRoutes } from './internal/bans.js'
import { checkRevocationsRoutes } from './internal/revocations.js'
import { allowListRoutes } from './internal/allow-list.js'
import { customCredentialRoutes } from './internal/custom-credentials.js'
import { stakeRoutes } from './internal/stakes.js'
import { cgrantsRoutes } from './internal/cgrants.js'
import { embedScoreRoutes } from './embed/score.js'
import { embedStampsRoutes } from './embed/stamps.js'
import { embedValidateApiKeyRoutes } from './embed/validate-api-key.js'
import { ceramicCacheStampsRoutes } from './ceramic-cache/stamps-bulk.js'
import { ceramicCacheScoreRoutes } from './ceramic-cache/score.js'
import { ceramicCacheStampRoutes } from './ceramic-cache/stamp.js'
import { ceramicCacheWeightsRoutes } from './ceramic-cache/weights.js'
import { accountNonceRoutes } from './account/nonce.js'
import { ceramicCacheAuthenticateRoutes } from './ceramic-cache/authenticate.js'
import { ceramicCacheStakeRoutes } from './ceramic-cache/stake.js'
import { ceramicCacheTosRoutes } from './ceramic-cache/tos.js'
import { ceramicCacheComposeDbRoutes } from './ceramic-cache/compose-db.js'
import { embedConfigRoutes } from './embed/config.js'

// The URL map: every route module is registered here, with full literal paths inside each module.
export async function registerRoutes(app: FastifyInstance): Promise<void> {
  await app.register(healthRoutes)
  // Public API (partner API key)
  await app.register(v2ScoreRoutes)
  // endpoints §17–§20: one metadata cache for the metadata route and the stamp list's include_metadata
  const stampMetadata = new StampMetadataSource({
    publicUrl: app.config.passportPublicUrl,
    timeoutMs: app.config.stampMetadataTimeoutMs,
    onFetchError: (err) => app.log.warn({ err }, 'could not fetch stampMetadata.json'),
  })
  await app.register(v2ScoreHistoryRoutes)
  await app.register(v2StampMetadataRoutes, { stampMetadata })
  await app.register(v2PassportStampsRoutes, { stampMetadata })
  await app.register(v2ModelScoreRoutes)
  // Internal API (internal key)
  await app.register(internalScoreRoutes)
  await app.register(checkBansRoutes)
  await app.register(checkRevocationsRoutes)
  await app.register(allowListRoutes)
  await app.register(customCredentialRoutes)
  await app.register(stakeRoutes)
  await app.register(cgrantsRoutes)
  // Embed widget (internal ALB): stamps with the internal key, score without auth, key check with the partner key
  await app.register(embedStampsRoutes)
  await app.register(embedScoreRoutes)
  await app.register(embedValidateApiKeyRoutes)
  // Internal API without auth
  await app.register(embedWeightsRoutes)
  // Passport app (ceramic-cache JWT; stamp list and weights without auth)
  await app.register(ceramicCacheStampsRoutes)
  await app.register(ceramicCacheScoreRoutes)
  await app.register(ceramicCacheStampRoutes)
  await app.register(ceramicCacheWeightsRoutes)
  // Passport app login (SIWE) and the rest of its ceramic-cache routes (issue 13)
  await app.register(accountNonceRoutes)
  await app.register(ceramicCacheAuthenticateRoutes)
  await app.register(ceramicCacheStakeRoutes)
  await app.register(ceramicCacheTosRoutes)
  await app.register(ceramicCacheComposeDbRoutes)
  await app.register(embedConfigRoutes)
}
