import type { Db } from '../db/pool.js'
import { findCustomizationId, listEmbedPlatforms, listEmbedSections } from '../db/queries/embed-config.js'
import { isDatabaseUnavailable } from './errors.js'
import { parsePythonIntId, loadScorerWeights, type ScorerWeightsCache } from './weights.js'

// endpoints §21: GET /internal/embed/config, the embed widget's weights and stamp sections.

export interface EmbedStampSection {
  title: string
  order: number
  items: { platform_id: string; order: number }[]
}

export interface EmbedConfig {
  weights: [string, number][]
  stampSections: EmbedStampSection[]
}

/**
 * handle_get_embed_stamp_sections: the sections of the scorer's customization by (order, id), each
 * with its platforms by (order, id); none when there is no customization or anything fails.
 */
async function loadStampSections(
  db: Db,
  communityIdText: string,
  log: { error: (obj: object, msg: string) => void },
): Promise<EmbedStampSection[]> {
  const communityId = parsePythonIntId(communityIdText)
  if (communityId === undefined) return []
  try {
    const customizationId = await findCustomizationId(db, communityId)
    if (customizationId === undefined) return []
    const [sections, platforms] = [
      await listEmbedSections(db, customizationId),
      await listEmbedPlatforms(db, customizationId),
    ]
    return sections.map((section) => ({
      title: section.title,
      order: section.order,
      items: platforms
        .filter((platform) => Number(platform.section_id) === Number(section.section_id))
        .map((platform) => ({ platform_id: platform.platform_id, order: platform.order })),
    }))
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error
    log.error({ err: error, communityId }, 'embed stamp sections failed: answered without them')
    return []
  }
}

export async function loadEmbedConfig(
  db: Db,
  cache: ScorerWeightsCache,
  request: { communityId: string; defaultCommunityId: number | undefined; nowMs: number },
  log: { error: (obj: object, msg: string) => void },
): Promise<EmbedConfig> {
  const weights = await loadScorerWeights(db, cache, request)
  return { weights, stampSections: await loadStampSections(db, request.communityId, log) }
}
