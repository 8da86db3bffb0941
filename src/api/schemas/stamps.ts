import { Type, type Static } from '@sinclair/typebox'
import type { LiveCacheStamp } from '../../domain/cache-stamp-writes.js'
import type { StampsAndScore } from '../../domain/stamp-updates.js'
import { formatV2ScoreResponse, V2ScoreResponse } from './score.js'

/** `CachedStampResponse` (endpoints §1.6). */
const CachedStamp = Type.Object(
  {
    id: Type.Integer({ description: 'Row id in the stamp cache' }),
    address: Type.String({ description: 'Lower-case address' }),
    provider: Type.String(),
    stamp: Type.Unknown({ description: 'The verifiable credential, as stored' }),
  },
  { title: 'CachedStampResponse' },
)

export const GetStampResponse = Type.Object(
  { success: Type.Boolean(), stamps: Type.Array(CachedStamp) },
  { title: 'GetStampResponse', description: "The address's stamps in the Passport app's cache, in provider order" },
)

/** `GetStampsWithV2ScoreResponse` / `GetStampsWithInternalV2ScoreResponse` (same fields). */
export const GetStampsWithScoreResponse = Type.Object(
  { success: Type.Boolean(), stamps: Type.Array(CachedStamp), score: V2ScoreResponse },
  { title: 'GetStampsWithV2ScoreResponse', description: "The address's stamps, then its score after the change" },
)

/** `ceramic_cache_ceramiccache.provider` (and `registry_stamp.provider`) is varchar(256) (D17: 422, not 22001). */
export const StampProvider = Type.String({ maxLength: 256 })

/** A credential as far as storing it needs: an object with `proof.proofValue` (varchar 256). */
export const StoredCredential = Type.Object(
  { proof: Type.Object({ proofValue: Type.String({ maxLength: 256 }) }, { additionalProperties: true }) },
  { additionalProperties: true },
)

export function formatStamps(stamps: readonly LiveCacheStamp[]): Static<typeof GetStampResponse> {
  return {
    success: true,
    stamps: stamps.map((stamp) => ({
      id: stamp.id,
      address: stamp.address,
      provider: stamp.provider,
      stamp: stamp.credential,
    })),
  }
}

export function formatStampsWithScore(result: StampsAndScore): Static<typeof GetStampsWithScoreResponse> {
  return { ...formatStamps(result.stamps), score: formatV2ScoreResponse(result.score) }
}
