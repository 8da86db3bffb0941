import { findCommunityAccountId } from '../db/queries/scorers.js'
import {
  addCachedStamps,
  deleteCachedStamps,
  listLiveStamps,
  patchCachedStamps,
  requireBulkSize,
  requireStorableDates,
  type LiveCacheStamp,
  type PatchItem,
  type StampWriteItem,
} from './cache-stamp-writes.js'
import { DomainError, invalidAddress, translateFailure } from './errors.js'
import { normalizeAddress } from './formats/eth-address.js'
import type { PassportScore } from './passport-score.js'
import { scorePassport, type ScoringDeps } from './score-passport.js'
import { resolveCommunityForAccount } from './scorers.js'

// The stamp endpoints as one operation each (scoring §9): checks, the cache write (its own
// transaction, committed), the stamps listed, then the re-score in its own transaction, as Python
// orders them; a re-score failure does not undo the stored stamps.

export interface StampsAndScore {
  stamps: LiveCacheStamp[]
  score: PassportScore
}

interface AppStampWrite {
  /** The address of the caller's JWT (D8). */
  address: string
  items: readonly StampWriteItem[]
}

/** POST /ceramic-cache/stamps/bulk (scoring §9.1). */
export async function addStampsAndRescore(deps: ScoringDeps, request: AppStampWrite): Promise<StampsAndScore> {
  // Python counts the items before anything else can fail (scoring §9.1 step 1).
  requireBulkSize(request.items)
  const address = requireAddress(request.address)
  requireStorableDates(request.items)
  await addCachedStamps(deps.sql, {
    address,
    items: request.items,
    sourceApp: 1,
    sourceScorerId: null,
    deadline: deps.deadline,
    storedStamps: deps.storedStampCache,
  })
  const stamps = await listLiveStamps(deps.sql, address, { type: 1 })
  return { stamps, score: await rescoreForApp(deps, address) }
}

interface AppStampPatch {
  address: string
  items: readonly (PatchItem & { location: readonly (string | number)[] })[]
}

/** PATCH /ceramic-cache/stamps/bulk (scoring §9.2). */
export async function patchStampsAndRescore(deps: ScoringDeps, request: AppStampPatch): Promise<StampsAndScore> {
  const address = requireAddress(request.address)
  requireStorableDates(request.items)
  return translateFailure(
    async () => {
      requireBulkSize(request.items)
      await patchCachedStamps(deps.sql, address, request.items, {
        deadline: deps.deadline,
        storedStamps: deps.storedStampCache,
      })
      const stamps = await listLiveStamps(deps.sql, address, { type: 1 })
      return { stamps, score: await rescoreForApp(deps, address) }
    },
    (error) => {
      // parity (endpoints §5.2): Django's patch_stamps re-raises every failure of the write and the
      // re-score as one 500 — except what the client sent wrong (too many stamps, a provider twice),
      // which is the 4xx that names it here (D17).
      if (isAnsweredAsIs(error)) throw error
      deps.log.error({ err: error, address }, 'patch_stamps failed')
      throw new DomainError('internal', 'An internal server error has occurred.', { cause: error })
    },
  )
}

/** DELETE /ceramic-cache/stamps/bulk (scoring §9.3): the stamps of any type are listed. */
export async function deleteStampsAndRescore(
  deps: ScoringDeps,
  request: { address: string; providers: readonly string[] },
): Promise<{ stamps: LiveCacheStamp[] }> {
  const address = requireAddress(request.address)
  requireBulkSize(request.providers)
  await deleteCachedStamps(deps.sql, address, request.providers, deps.deadline)
  const stamps = await listLiveStamps(deps.sql, address)
  // parity (endpoints §5.3): the re-score runs for its side effect; the Django body drops it.
  await rescoreForApp(deps, address)
  return { stamps }
}

interface EmbedStampWrite {
  scorerId: number
  address: string
  /** The provider of each is the credential's own `credentialSubject.provider` (scoring §9.4). */
  items: readonly StampWriteItem[]
}

/** POST /internal/embed/stamps/{address} (scoring §9.4): stored with source_app EMBED and the scorer. */
export async function addEmbedStampsAndRescore(deps: ScoringDeps, request: EmbedStampWrite): Promise<StampsAndScore> {
  const address = requireAddress(request.address)
  // Python counts the stamps first (handle_add_stamps_only step 1), before the community is loaded.
  requireBulkSize(request.items)
  requireStorableDates(request.items)
  // Python writes the stamps and only then fails on an unknown scorer (a 500 with stamps stored);
  // checking first answers the same "Invalid scorer_id" as the embed GET, with nothing written.
  const accountId = await requireCommunityOwner(deps, request.scorerId, invalidScorerId())
  await addCachedStamps(deps.sql, {
    address,
    items: request.items,
    sourceApp: 2,
    sourceScorerId: request.scorerId,
    deadline: deps.deadline,
    storedStamps: deps.storedStampCache,
  })
  const stamps = await listLiveStamps(deps.sql, address, { type: 1 })
  return { stamps, score: await rescoreForOwner(deps, address, request.scorerId, accountId) }
}

/** GET /internal/embed/score/{scorer_id}/{address} (endpoints Endpoint 2): re-score, then list the V1 stamps. */
export async function rescoreAndListStamps(
  deps: ScoringDeps,
  request: { scorerId: number; address: string },
): Promise<StampsAndScore> {
  const address = request.address.toLowerCase()
  const score = await rescoreForCommunityOwner(deps, address, request.scorerId, invalidScorerId())
  return { stamps: await listLiveStamps(deps.sql, address, { type: 1 }), score }
}

// The steps the operations share.

/** The Passport app's scorer (CERAMIC_CACHE_SCORER_ID), which every ceramic-cache endpoint needs. */
export function requireCeramicCacheScorerId(scorerId: number | undefined): number {
  if (scorerId === undefined) throw new DomainError('internal', 'CERAMIC_CACHE_SCORER_ID is not configured')
  return scorerId
}

/** The account owning community `scorerId`; `missing` (each endpoint has its own text) otherwise. */
async function requireCommunityOwner(deps: ScoringDeps, scorerId: number, missing: DomainError): Promise<number> {
  const accountId = await findCommunityAccountId(deps.sql, scorerId)
  if (accountId === undefined) throw missing
  return accountId
}

/**
 * `get_detailed_score_response_for_address` (scoring §9.1 step 6): the community is the one the
 * scorer id resolves to for its owner's account (external id first), then the shared scoring.
 */
async function rescoreForOwner(
  deps: ScoringDeps,
  address: string,
  scorerId: number,
  accountId: number,
): Promise<PassportScore> {
  return scorePassport(deps, address, await resolveCommunityForAccount(deps.sql, String(scorerId), accountId))
}

export async function rescoreForCommunityOwner(
  deps: ScoringDeps,
  address: string,
  scorerId: number,
  missingCommunity: DomainError,
): Promise<PassportScore> {
  return rescoreForOwner(deps, address, scorerId, await requireCommunityOwner(deps, scorerId, missingCommunity))
}

function rescoreForApp(deps: ScoringDeps, address: string): Promise<PassportScore> {
  const scorerId = requireCeramicCacheScorerId(deps.config.ceramicCacheScorerId)
  return rescoreForCommunityOwner(deps, address, scorerId, new DomainError('not_found', 'Not Found'))
}

/** The address the stamps go under, validated before anything is written (nothing stored under a bad address). */
function requireAddress(rawAddress: string): string {
  const address = normalizeAddress(rawAddress)
  if (address === null) throw invalidAddress()
  return address
}

function invalidScorerId(): DomainError {
  return new DomainError('bad_request', 'Invalid scorer_id')
}

const KINDS_ANSWERED_AS_IS = new Set(['bad_request', 'unprocessable', 'unavailable'])

function isAnsweredAsIs(error: unknown): boolean {
  return error instanceof DomainError && KINDS_ANSWERED_AS_IS.has(error.kind)
}
