import { currentTimestamp, type Sql, type TransactionSql } from '../db/pool.js'
import { isUniqueViolation } from '../db/errors.js'
import { inTransaction, type Deadline } from '../db/transaction.js'
import {
  countLiveStampsForProviders,
  insertCeramicCacheStampVersions,
  listLiveCachedStamps,
  lockAddressForStampWrites,
  softDeleteLiveStamps,
  softDeleteLiveStampVersions,
  type CeramicCacheSourceApp,
  type NewCeramicCacheStamp,
} from '../db/queries/ceramic-cache.js'
import { DomainError } from './errors.js'
import { toPgTimestamp } from './formats/py-datetime.js'
import { parsePyIsoDateTime } from './formats/py-fromisoformat.js'
import { carryOverStoredStamps, type ReplacedWithSameJson, type StoredStampCache } from './stored-stamp-cache.js'

// The ceramic-cache writes of the stamp endpoints (scoring §9): soft-delete, then insert, in one
// transaction per request. The operations that also re-score are in stamp-updates.ts.

/** `settings.MAX_BULK_CACHE_SIZE` (scoring §9). */
const MAX_BULK_CACHE_SIZE = 100

export function requireBulkSize(items: readonly unknown[]): void {
  if (items.length > MAX_BULK_CACHE_SIZE) throw new DomainError('unprocessable', 'You have submitted too many stamps.')
}

/** A credential to store, as the route schema checked it: an object with a proof value. */
type StoredCredential = Record<string, unknown> & { proof: { proofValue: string } }

export interface StampWriteItem {
  provider: string
  credential: StoredCredential
  /** Where the client sent the credential (a request path), named by the error when its dates are refused. */
  location: readonly (string | number)[]
}

type CredentialDateField = 'issuanceDate' | 'expirationDate'

/**
 * Credential dates Django could not store through its DateTimeField (D17): refused before anything
 * is written, one entry per bad date.
 */
export class UnstorableCredentialDates extends Error {
  constructor(readonly dates: { location: readonly (string | number)[]; field: CredentialDateField }[]) {
    super(`unstorable credential dates: ${dates.map((date) => [...date.location, date.field].join('.')).join(', ')}`)
    this.name = 'UnstorableCredentialDates'
  }
}

function isStorableDate(value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (typeof value !== 'string') return false
  try {
    parsePyIsoDateTime(value)
    return true
  } catch {
    return false
  }
}

export function requireStorableDates(
  items: readonly { credential: Record<string, unknown> | null; location: readonly (string | number)[] }[],
): void {
  const dates = items.flatMap(({ credential, location }) =>
    (['issuanceDate', 'expirationDate'] as const)
      .filter((field) => credential && !isStorableDate(credential[field]))
      .map((field) => ({ location, field })),
  )
  if (dates.length > 0) throw new UnstorableCredentialDates(dates)
}

// Django stores the credential's date strings through DateTimeField: parsed like fromisoformat,
// naive values taken as UTC, absent → NULL. `requireStorableDates` already proved they parse.
function credentialDate(credential: Record<string, unknown>, field: CredentialDateField): string | null {
  const value = credential[field]
  return typeof value === 'string' ? toPgTimestamp(parsePyIsoDateTime(value)) : null
}

interface CacheRowsSource {
  address: string
  items: readonly Omit<StampWriteItem, 'location'>[]
  sourceApp: CeramicCacheSourceApp | null
  sourceScorerId: number | null
}

function toCacheRows(source: CacheRowsSource): NewCeramicCacheStamp[] {
  return source.items.map((item) => ({
    address: source.address,
    provider: item.provider,
    stamp: item.credential,
    proof_value: item.credential.proof.proofValue,
    issuance_date: credentialDate(item.credential, 'issuanceDate'),
    expiration_date: credentialDate(item.credential, 'expirationDate'),
    source_app: source.sourceApp,
    source_scorer_id: source.sourceScorerId,
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
  deadline: Deadline | undefined,
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

interface StampWrite extends CacheRowsSource {
  /** The request's deadline: past it, the write rolls back instead of committing. */
  deadline?: Deadline
  /** The scoring's stored-stamp cache: a stamp re-added with the same JSON keeps its entry (issue 16). */
  storedStamps?: StoredStampCache
}

/**
 * The soft-delete and insert of one attempt: the replaced rows with the version they had, the new
 * rows with theirs, and which new row holds exactly the JSON text of a replaced one.
 */
async function replaceStamps(
  tx: TransactionSql,
  address: string,
  providers: readonly string[],
  rows: readonly NewCeramicCacheStamp[],
  options: { type?: 1; now: string },
): Promise<ReplacedWithSameJson[]> {
  const replaced = await softDeleteLiveStampVersions(tx, address, providers, options)
  const inserted = await insertCeramicCacheStampVersions(tx, rows, {
    now: options.now,
    replacing: replaced.map((row) => row.id),
  })
  const versionBefore = new Map(replaced.map((row) => [row.id, row.version_before]))
  return inserted.flatMap((row) => {
    const version = row.same_json_as === null ? undefined : versionBefore.get(row.same_json_as)
    if (row.same_json_as === null || version === undefined) return []
    return [{ replaced: { id: row.same_json_as, version }, inserted: { id: row.id, version: row.version } }]
  })
}

/** scoring §9.1 steps 2–4 (and §9.4 for embed): soft-delete the providers' live V1 rows, insert the new ones. */
export async function addCachedStamps(sql: Sql, write: StampWrite): Promise<void> {
  const providers = write.items.map((item) => item.provider)
  refuseDuplicateProviders(providers)
  let sameJson: ReplacedWithSameJson[] = []
  await writeStampsOfAddress(sql, write.address, write.deadline, async (tx) => {
    sameJson = await replaceStamps(tx, write.address, providers, toCacheRows(write), {
      type: 1,
      now: currentTimestamp(),
    })
  })
  // Committed: the new versions exist as written.
  if (write.storedStamps) carryOverStoredStamps(write.storedStamps, sameJson)
}

export interface PatchItem {
  provider: string
  /** null: the provider is only removed. */
  credential: StoredCredential | null
}

/** scoring §9.2: every payload provider is soft-deleted (any type); items with a credential are re-inserted. */
export async function patchCachedStamps(
  sql: Sql,
  address: string,
  items: readonly PatchItem[],
  options: { deadline: Deadline | undefined; storedStamps?: StoredStampCache },
): Promise<void> {
  if (items.length === 0) return
  const providers = items.map((item) => item.provider)
  refuseDuplicateProviders(providers)
  const replacements = items.flatMap(({ provider, credential }) => (credential ? [{ provider, credential }] : []))
  const rows = toCacheRows({ address, items: replacements, sourceApp: null, sourceScorerId: null })
  let sameJson: ReplacedWithSameJson[] = []
  await writeStampsOfAddress(sql, address, options.deadline, async (tx) => {
    sameJson = await replaceStamps(tx, address, providers, rows, { now: currentTimestamp() })
  })
  if (options.storedStamps) carryOverStoredStamps(options.storedStamps, sameJson)
}

/** scoring §9.3: 404 when none of the providers has a live row; otherwise soft-delete them (any type). */
export async function deleteCachedStamps(
  sql: Sql,
  address: string,
  providers: readonly string[],
  deadline: Deadline | undefined,
): Promise<void> {
  await writeStampsOfAddress(sql, address, deadline, async (tx) => {
    if ((await countLiveStampsForProviders(tx, address, providers)) === 0)
      throw new DomainError('not_found', 'Unable to find stamp to delete.')
    await softDeleteLiveStamps(tx, address, providers, { now: currentTimestamp() })
  })
}

/** A live, unrevoked ceramic-cache stamp as the endpoints list it (`CachedStampResponse`). */
export interface LiveCacheStamp {
  id: number
  address: string
  provider: string
  credential: unknown
}

/** scoring §9.1 step 5: `type = 1` on the add and embed paths, any type after a DELETE (§9.3). */
export async function listLiveStamps(sql: Sql, address: string, options: { type?: 1 } = {}): Promise<LiveCacheStamp[]> {
  const rows = await listLiveCachedStamps(sql, address, options)
  return rows.map((row) => ({ id: row.id, address: row.address, provider: row.provider, credential: row.stamp }))
}
