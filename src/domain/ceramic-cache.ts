import type { Sql, TransactionSql } from '../db/pool.js'
import { isUniqueViolation } from '../db/errors.js'
import { inTransaction } from '../db/transaction.js'
import {
  countLiveStampsForProviders,
  insertCeramicCacheStamps,
  listLiveCachedStamps,
  lockAddressForStampWrites,
  softDeleteLiveStamps,
  type CachedStampRow,
  type CeramicCacheSourceApp,
  type NewCeramicCacheStamp,
} from '../db/queries/ceramic-cache.js'
import { findCommunityAccountId, findScoringCommunity } from '../db/queries/scorers.js'
import { findStoredScore } from '../db/queries/passports.js'
import { DomainError, translateFailure, type ValidationIssue } from './errors.js'
import { comparePyDateTime, parsePgTimestamp, toPgTimestamp, type PyDateTime } from './formats/py-datetime.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'
import { isPointsDataShown, loadPointsData } from './human-points.js'
import { formatV2ScoreResponse, scoreStateFromRow, type V2ScoreResponse } from './score-response.js'
import { scorePassport, type ScoringDeps, type ScoringOutcome } from './score-passport.js'
import { resolveCommunityForAccount } from './scorers.js'

/** `settings.MAX_BULK_CACHE_SIZE` (scoring §9). */
export const MAX_BULK_CACHE_SIZE = 100

export const tooManyStamps = (): DomainError => new DomainError('unprocessable', 'You have submitted too many stamps.')

/** A payload item whose stamp is a credential object with a proof value (checked by the route schema). */
export interface StampWriteItem {
  provider: string
  stamp: Record<string, unknown> & { proof: { proofValue: string } }
}

export interface StampWriteOptions {
  address: string
  items: readonly StampWriteItem[]
  sourceApp: CeramicCacheSourceApp | null
  sourceScorerId: number | null
  /** The request's deadline: past it, the write rolls back instead of committing. */
  deadline?: AbortSignal
}

// Django stores the credential's date strings through DateTimeField: parsed like fromisoformat,
// naive values taken as UTC, absent → NULL. The route schema already proved they parse.
function credentialDate(stamp: Record<string, unknown>, field: 'issuanceDate' | 'expirationDate'): string | null {
  const value = stamp[field]
  return typeof value === 'string' ? toPgTimestamp(parsePyIsoDateTime(value)) : null
}

function isParseableCredentialDate(value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (typeof value !== 'string') return false
  try {
    parsePyIsoDateTime(value)
    return true
  } catch {
    return false
  }
}

/**
 * A credential whose dates Django could not store is refused before anything is written: one ninja
 * 422 entry per bad date, at the location `locate` gives for the stamp's index and field.
 */
export function credentialDateIssues(
  stamps: readonly (Record<string, unknown> | null | undefined)[],
  locate: (index: number, field: string) => (string | number)[],
): ValidationIssue[] {
  return stamps.flatMap((stamp, index) =>
    (['issuanceDate', 'expirationDate'] as const)
      .filter((field) => stamp && !isParseableCredentialDate(stamp[field]))
      .map((field) => ({
        type: 'datetime_from_date_parsing',
        loc: locate(index, field),
        msg: 'Input should be a valid datetime',
      })),
  )
}

/** The Passport app's scorer (CERAMIC_CACHE_SCORER_ID), which every ceramic-cache endpoint needs. */
export function requireCeramicCacheScorerId(scorerId: number | undefined): number {
  if (scorerId === undefined) throw new DomainError('internal', 'CERAMIC_CACHE_SCORER_ID is not configured')
  return scorerId
}

function toCacheRows(options: StampWriteOptions): NewCeramicCacheStamp[] {
  return options.items.map((item) => ({
    address: options.address,
    provider: item.provider,
    stamp: item.stamp,
    proof_value: item.stamp.proof.proofValue,
    issuance_date: credentialDate(item.stamp, 'issuanceDate'),
    expiration_date: credentialDate(item.stamp, 'expirationDate'),
    source_app: options.sourceApp,
    source_scorer_id: options.sourceScorerId,
  }))
}

// Python soft-deletes, then inserts, each autocommitted: a duplicate provider in one payload
// leaves the soft-delete applied and answers 500. A payload naming a provider twice has no
// meaning (one live stamp per provider), so it is refused before anything is written (D17).
function refuseDuplicateProviders(providers: readonly string[]): void {
  const seen = new Set<string>()
  for (const provider of providers) {
    if (seen.has(provider))
      throw new DomainError(
        'bad_request',
        `The provider ${JSON.stringify(provider)} appears more than once in the payload.`,
      )
    seen.add(provider)
  }
}

// A writer that does not take our lock (the Python service) can still collide on the unique index
// `unique_non_deleted_provider_for_address`; the whole write is then run again.
const STAMP_WRITE_ATTEMPTS = 3

/**
 * The soft-deletes and inserts of one request in one transaction, after the address's write lock
 * (D25): concurrent identical writes both succeed and the later one wins, as if sequential.
 */
async function writeStampsOfAddress(
  sql: Sql,
  address: string,
  deadline: AbortSignal | undefined,
  write: (tx: TransactionSql) => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(
        sql,
        async (tx) => {
          await lockAddressForStampWrites(tx, address)
          await write(tx)
        },
        { deadline },
      )
      return
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      if (attempt >= STAMP_WRITE_ATTEMPTS) throw new DomainError('unavailable', 'Service Unavailable')
    }
  }
}

/** scoring §9.1 steps 1–4 (and §9.4 for embed): soft-delete the providers' live V1 rows, insert the new ones. */
export async function addCachedStamps(sql: Sql, options: StampWriteOptions): Promise<void> {
  if (options.items.length > MAX_BULK_CACHE_SIZE) throw tooManyStamps()
  const providers = options.items.map((item) => item.provider)
  refuseDuplicateProviders(providers)
  await writeStampsOfAddress(sql, options.address, options.deadline, async (tx) => {
    const now = new Date().toISOString()
    await softDeleteLiveStamps(tx, options.address, providers, { type: 1, now })
    await insertCeramicCacheStamps(tx, toCacheRows(options), { now })
  })
}

export interface PatchItem {
  provider: string
  stamp: StampWriteItem['stamp'] | null
}

/** scoring §9.2: every payload provider is soft-deleted (any type); items with a stamp are re-inserted. */
export async function patchCachedStamps(
  sql: Sql,
  address: string,
  items: readonly PatchItem[],
  options: { deadline?: AbortSignal } = {},
): Promise<void> {
  if (items.length > MAX_BULK_CACHE_SIZE) throw tooManyStamps()
  if (items.length === 0) return
  const providers = items.map((item) => item.provider)
  refuseDuplicateProviders(providers)
  const replacements = items.filter((item): item is StampWriteItem => item.stamp !== null)
  await writeStampsOfAddress(sql, address, options.deadline, async (tx) => {
    const now = new Date().toISOString()
    await softDeleteLiveStamps(tx, address, providers, { now })
    await insertCeramicCacheStamps(
      tx,
      toCacheRows({ address, items: replacements, sourceApp: null, sourceScorerId: null }),
      { now },
    )
  })
}

/** scoring §9.3: 404 when none of the providers has a live row; otherwise soft-delete them (any type). */
export async function deleteCachedStamps(
  sql: Sql,
  address: string,
  providers: readonly string[],
  options: { deadline?: AbortSignal } = {},
): Promise<void> {
  if (providers.length > MAX_BULK_CACHE_SIZE) throw tooManyStamps()
  await writeStampsOfAddress(sql, address, options.deadline, async (tx) => {
    if ((await countLiveStampsForProviders(tx, address, providers)) === 0)
      throw new DomainError('not_found', 'Unable to find stamp to delete.')
    await softDeleteLiveStamps(tx, address, providers, { now: new Date().toISOString() })
  })
}

export function listCachedStamps(sql: Sql, address: string, options: { type?: 1 } = {}): Promise<CachedStampRow[]> {
  return listLiveCachedStamps(sql, address, options)
}

/**
 * `get_detailed_score_response_for_address` (scoring §9.1 step 6): the owner of the community is the
 * account the scorer is resolved for (external id first), then the shared scoring operation.
 */
export async function rescoreForCommunityOwner(
  deps: ScoringDeps,
  address: string,
  scorerId: number,
  missingCommunity: DomainError,
): Promise<ScoringOutcome> {
  const accountId = await requireCommunityOwner(deps.sql, scorerId, missingCommunity)
  const communityId = await resolveCommunityForAccount(deps.sql, String(scorerId), accountId)
  return scorePassport(deps, address, communityId)
}

/** The account owning community `scorerId`; `missing` (each endpoint has its own text) otherwise. */
export async function requireCommunityOwner(sql: Sql, scorerId: number, missing: DomainError): Promise<number> {
  const accountId = await findCommunityAccountId(sql, scorerId)
  if (accountId === undefined) throw missing
  return accountId
}

export interface AppScoreRequest {
  address: string
  scorerId: number
  now: PyDateTime
}

/**
 * scoring §9.5 `handle_get_ui_score`: an unexpired stored score is answered as stored (with points
 * data when HUMAN_POINTS_ENABLED and the community runs the program); a missing or expired one is
 * re-scored, and any failure of that re-score is the one 400 Python answers.
 */
export async function getAppScore(deps: ScoringDeps, request: AppScoreRequest): Promise<V2ScoreResponse> {
  const community = await findScoringCommunity(deps.sql, request.scorerId)
  if (!community)
    throw new DomainError(
      'not_found',
      'Community matching the configured scorer id does not exist! This is probably a misconfiguration!',
    )
  const stored = await findStoredScore(deps.sql, request.address, community.id)
  const isExpired = stored?.expiration_date
    ? comparePyDateTime(parsePgTimestamp(stored.expiration_date), request.now) < 0
    : false
  if (stored && !isExpired) {
    const points = isPointsDataShown(deps.config, community.human_points_program)
      ? await loadPointsData(deps.sql, request.address)
      : { points: null, possible: null }
    return formatV2ScoreResponse(scoreStateFromRow(stored), points)
  }
  const rescored = await translateFailure(
    () => rescoreForCommunityOwner(deps, request.address, request.scorerId, new DomainError('not_found', 'Not Found')),
    (error) => {
      deps.log.warn(
        { err: error, address: request.address, scorerId: request.scorerId },
        'app score: re-scoring failed',
      )
      throw new DomainError('bad_request', 'Unable to get score for provided scorer.', { cause: error })
    },
  )
  return rescored.response
}

/**
 * endpoints §5.4: the stamps are read first; then, when no score exists for the address in the
 * app's community, a full scoring runs for its side effect (an invalid address is then a 400).
 */
export async function listStampsScoringOnce(
  deps: ScoringDeps,
  rawAddress: string,
  scorerId: number,
): Promise<CachedStampRow[]> {
  const address = rawAddress.toLowerCase()
  const stamps = await listLiveCachedStamps(deps.sql, address, { type: 1 })
  if (!(await findStoredScore(deps.sql, address, scorerId)))
    await rescoreForCommunityOwner(deps, address, scorerId, new DomainError('not_found', 'Not Found'))
  return stamps
}
