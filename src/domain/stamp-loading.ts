import type { Sql } from '../db/pool.js'
import { listCacheStampsById, type ScorableCacheRow } from '../db/queries/ceramic-cache.js'
import type { CachedStamp, Credential } from './credentials.js'
import { parsePgTimestamp } from './formats/py-datetime.js'
import { slimCredential, storedStampKey, type StoredStampCache } from './stored-stamp-cache.js'

export interface CacheRowForScoring {
  id?: number
  provider: string
  stamp: unknown
  updated_at: string
}

/**
 * scoring §1 steps 2–4: group by the cache `provider` column, keep the greatest `updated_at`
 * (strictly greater: on a tie the first row wins), in order of first appearance.
 * `updated_at` is PostgreSQL's text in one session time zone, so it compares as an instant only
 * after parsing; `parseInstant` is passed in to keep this rule pure.
 */
export function pickLatestPerProvider(
  rows: readonly CacheRowForScoring[],
  parseInstant: (text: string) => bigint,
): CachedStamp[] {
  return pickLatestRows(rows, parseInstant).map((row) => ({
    provider: row.provider,
    credential: row.stamp as Credential,
    ...(row.id === undefined ? {} : { cacheId: row.id }),
  }))
}

/** The rule of `pickLatestPerProvider` for any row carrying `provider` and `updated_at`. */
function pickLatestRows<Row extends { provider: string; updated_at: string }>(
  rows: readonly Row[],
  parseInstant: (text: string) => bigint,
): Row[] {
  const latest = new Map<string, { row: Row; at: bigint }>()
  for (const row of rows) {
    const at = parseInstant(row.updated_at)
    const current = latest.get(row.provider)
    if (!current || at > current.at) latest.set(row.provider, { row, at })
  }
  return [...latest.values()].map(({ row }) => row)
}

interface SignatureChecks {
  /** DIDKit's `errors` for a credential's signature (the app's verifier caches them by exact JSON). */
  verify: (credential: unknown) => Promise<string[]>
  /** Verdicts and slim credentials of stored stamps seen before, by row and row version. */
  storedStamps?: StoredStampCache
}

export interface LoadedStamps {
  stamps: CachedStamp[]
  /** This load's signature check: a remembered verdict for a stamp from the cache, DIDKit otherwise. */
  verifySignature: (credential: unknown) => Promise<string[]>
  /** The remembered verdict of a stamp from the cache, without a promise; undefined otherwise. */
  knownSignatureErrors: (credential: unknown) => readonly string[] | undefined
}

/** Where a loaded credential came from: its row version key, and its verdict when the cache had one. */
interface StampOrigin {
  key: string
  knownVerdict: readonly string[] | undefined
}

export type ScorableCacheRows = readonly ScorableCacheRow[]

/**
 * scoring §1 for one address, from its rows (`listScorableCacheRows`). Stamps seen before (same row,
 * same version) are taken from the cache (slim credential and verdict); only the others are fetched
 * (the one extra round trip), and their verdict is remembered once DIDKit gave it.
 */
export async function loadStampsFromRows(
  sql: Sql,
  scorableRows: ScorableCacheRows,
  checks: SignatureChecks,
): Promise<LoadedStamps> {
  const rows = pickLatestRows(scorableRows, (text) => parsePgTimestamp(text).epochMicros)
  const remembered = rows.map((row) => checks.storedStamps?.get(storedStampKey(row.id, row.version)))
  const missing = rows.filter((_row, index) => remembered[index] === undefined).map((row) => row.id)
  const fetched = missing.length === 0 ? new Map<number, unknown>() : await listCacheStampsById(sql, missing)
  const origins = new Map<unknown, StampOrigin>()
  const stamps = rows.map((row, index): CachedStamp => {
    const entry = remembered[index]
    const credential = entry ? entry.credential : (fetched.get(row.id) as Credential)
    origins.set(credential, { key: storedStampKey(row.id, row.version), knownVerdict: entry?.signatureErrors })
    return { provider: row.provider, credential, cacheId: row.id }
  })
  const verifySignature = async (credential: unknown): Promise<string[]> => {
    const origin = origins.get(credential)
    if (origin?.knownVerdict) return [...origin.knownVerdict]
    const errors = await checks.verify(credential)
    if (origin)
      checks.storedStamps?.set(origin.key, {
        credential: slimCredential(credential as Credential),
        signatureErrors: Object.freeze([...errors]),
      })
    return errors
  }
  const knownSignatureErrors = (credential: unknown) => origins.get(credential)?.knownVerdict
  return { stamps, verifySignature, knownSignatureErrors }
}
