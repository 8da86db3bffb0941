import type { JSONValue } from 'postgres'
import { bigintArray, currentTimestamp, textArray, type Db } from '../pool.js'

/** 1 = Passport app, 2 = Embed widget; NULL on PATCH adds and old rows (schema §6). */
export type CeramicCacheSourceApp = 1 | 2

export interface NewCeramicCacheStamp {
  /** Lower-cased here as well: EthAddressField lower-cases on every write (schema §2.5). */
  address: string
  /** Client-supplied on the app path, credentialSubject.provider on the embed path (scoring §9.1, §9.4). */
  provider: string
  /** The credential as received (a JSON object); jsonb re-orders keys, as it does for Django. */
  stamp: object
  /** `stamp.proof.proofValue` (varchar 256): revocations match on it. */
  proof_value: string
  /** The credential's `issuanceDate` / `expirationDate` text, cast by PostgreSQL (session time zone UTC, so a naive value is UTC, as Django takes it). NULL when absent. */
  issuance_date: string | null
  expiration_date: string | null
  source_app: CeramicCacheSourceApp | null
  source_scorer_id: number | null
}

/** Every column, as stored; timestamps are the server's text (src/db/pool.ts). */
export interface CeramicCacheRow {
  id: number
  type: number
  address: string | null
  provider: string
  stamp: unknown
  proof_value: string
  created_at: string | null
  updated_at: string
  deleted_at: string | null
  compose_db_save_status: string
  compose_db_stream_id: string
  issuance_date: string | null
  expiration_date: string | null
  source_app: number | null
  source_scorer_id: number | null
}

type InsertValues = Omit<CeramicCacheRow, 'id' | 'stamp'> & { stamp: unknown }
// A mutable array on purpose: postgres.js' helper types reject a readonly column list on a `Db` union.
const INSERT_COLUMNS: (keyof InsertValues)[] = [
  'type',
  'address',
  'provider',
  'stamp',
  'proof_value',
  'created_at',
  'updated_at',
  'deleted_at',
  'compose_db_save_status',
  'compose_db_stream_id',
  'issuance_date',
  'expiration_date',
  'source_app',
  'source_scorer_id',
]

// Only V1 rows are written: type 2 (V2) exists in the schema but no code path writes it (scoring §1).
const STAMP_TYPE_V1 = 1

/** A row just inserted: its id, its row version, and a replaced row that held exactly the same JSON text. */
export interface InsertedCacheStamp {
  id: number
  version: string
  /** The row of `replacing` with the same provider whose stored JSON renders to the same text, byte for byte; null when none. */
  same_json_as: number | null
}

/**
 * One multi-row INSERT in payload order, every column set as Django's bulk_create does (scoring
 * §9.1 step 4), ids returned in the same order. No ON CONFLICT, like Python: a second live row for
 * (type, address, provider) is a unique violation for the caller to classify (db/errors.ts).
 */
export async function insertCeramicCacheStamps(
  db: Db,
  rows: readonly NewCeramicCacheStamp[],
  options: { now?: string } = {},
): Promise<number[]> {
  const inserted = await insertCeramicCacheStampVersions(db, rows, { ...options, replacing: [] })
  return inserted.map((row) => row.id)
}

/**
 * `insertCeramicCacheStamps`, returning each row's version (`xmin`) too, and which of the rows it
 * replaces (`replacing`: ids soft-deleted in this transaction) held exactly the same JSON text.
 */
export async function insertCeramicCacheStampVersions(
  db: Db,
  rows: readonly NewCeramicCacheStamp[],
  options: { now?: string; replacing: readonly number[] },
): Promise<InsertedCacheStamp[]> {
  if (rows.length === 0) return []
  const now = options.now ?? currentTimestamp()
  const values = rows.map((row): InsertValues => ({
    type: STAMP_TYPE_V1,
    address: row.address.toLowerCase(),
    provider: row.provider,
    stamp: db.json(row.stamp as JSONValue),
    proof_value: row.proof_value,
    // auto_now_add / auto_now: both the insert time.
    created_at: now,
    updated_at: now,
    deleted_at: null,
    compose_db_save_status: 'pending',
    compose_db_stream_id: '',
    issuance_date: row.issuance_date,
    expiration_date: row.expiration_date,
    source_app: row.source_app,
    source_scorer_id: row.source_scorer_id,
  }))
  // Decided by the text, not by jsonb's `=` (which takes 1.0 for 1.00): the same stored text is the
  // same credential read back, so the same JSON verified. Only the replaced row of the same provider
  // and proof value is rendered and compared (a re-add replaces one row per provider), jsonb's `=`
  // first, so a changed stamp costs no text. The replaced rows are found by id alone (`offset 0`
  // keeps the planner from reaching them through the provider or proof_value index instead: every
  // soft-deleted version of a re-added stamp shares those, thousands after a while). No alias for
  // the inserted row: postgres.js would take `as` before the values helper for a select list; in
  // the subquery the table's own name is the inserted row.
  return db<InsertedCacheStamp[]>`
    insert into ceramic_cache_ceramiccache ${db(values, INSERT_COLUMNS)}
    returning id, xmin::text as version, (
      select o.id from (
        select id, provider, proof_value, stamp from ceramic_cache_ceramiccache
        where id = any(${bigintArray(db, options.replacing)}::bigint[])
        offset 0
      ) o
      where o.provider = ceramic_cache_ceramiccache.provider
        and o.proof_value = ceramic_cache_ceramiccache.proof_value
        and o.stamp = ceramic_cache_ceramiccache.stamp
        and o.stamp::text = ceramic_cache_ceramiccache.stamp::text
      limit 1
    ) as same_json_as`
}

interface SoftDeleteOptions {
  /** 1 on the add path (scoring §9.1 step 3); undefined = any type (PATCH §9.2, DELETE §9.3). */
  type?: 1 | undefined
  now: string
}

/**
 * Marks the live rows of these providers deleted (`deleted_at = updated_at = now`: auto_now does
 * not apply to queryset updates, so Django sets both). Revoked rows are included, as in Python.
 * Returns the number of rows soft-deleted.
 */
export async function softDeleteLiveStamps(
  db: Db,
  address: string,
  providers: readonly string[],
  options: SoftDeleteOptions,
): Promise<number> {
  return (await softDeleteLiveStampVersions(db, address, providers, options)).length
}

/** A row `softDeleteLiveStampVersions` marked deleted, with the version it had until then. */
export interface SoftDeletedStamp {
  id: number
  version_before: string
}

/** `softDeleteLiveStamps`, returning each row with its version (`xmin`) before the soft-delete. */
export async function softDeleteLiveStampVersions(
  db: Db,
  address: string,
  providers: readonly string[],
  options: SoftDeleteOptions,
): Promise<SoftDeletedStamp[]> {
  if (providers.length === 0) return []
  return db<SoftDeletedStamp[]>`
    with live as (
      select id, xmin::text as version_before from ceramic_cache_ceramiccache
      where address = ${address.toLowerCase()}
        and provider = any(${textArray(db, [...providers])}::varchar[])
        and deleted_at is null
        ${options.type === undefined ? db`` : db`and type = ${options.type}`}
      for update
    )
    update ceramic_cache_ceramiccache c
    set updated_at = ${options.now}, deleted_at = ${options.now}
    from live
    where c.id = live.id
    returning c.id, live.version_before`
}
export interface ScorableCacheRow {
  id: number
  provider: string
  updated_at: string
  /**
   * The row version (`xmin`, the transaction that wrote this version of the row): any UPDATE of the
   * row, whatever it changes, gives it another one, and a new row has a new id. With the id it names
   * one exact stored JSON without reading it.
   */
  version: string
}

/**
 * scoring §1: the address's live, unrevoked rows of any `type` (Python has no type filter here),
 * without the credentials themselves: the caller fetches only those it has not seen before.
 * D20: in provider order, as Python's plan walks the unique (type, address, provider) index, then by
 * id so "first row wins" on equal updated_at is deterministic.
 */
export async function listScorableCacheRows(db: Db, address: string): Promise<ScorableCacheRow[]> {
  return db<ScorableCacheRow[]>`
    select c.id, c.provider, c.updated_at, c.xmin::text as version
    from ceramic_cache_ceramiccache c
    left join ceramic_cache_revocation r on r.ceramic_cache_id = c.id
    where c.address = ${address} and c.deleted_at is null and r.id is null
    order by c.provider, c.id`
}

export async function listCacheStampsById(db: Db, ids: readonly number[]): Promise<Map<number, unknown>> {
  if (ids.length === 0) return new Map()
  const rows = await db<{ id: number; stamp: unknown }[]>`
    select id, stamp from ceramic_cache_ceramiccache where id = any(${bigintArray(db, ids)}::bigint[])`
  return new Map(rows.map((row) => [row.id, row.stamp]))
}

/** `CachedStampResponse` (endpoints §1.6) columns. */
interface CachedStampRow {
  id: number
  address: string
  provider: string
  stamp: unknown
}

/**
 * The live, unrevoked stamps the ceramic-cache and embed endpoints list (scoring §9.1 step 5):
 * `type = 1` on the add/embed paths, any type after a DELETE (§9.3). Python has no ORDER BY, but
 * its plan walks the unique (type, address, provider) index: clients see provider order (D20), then id.
 */
export async function listLiveCachedStamps(
  db: Db,
  address: string,
  options: { type?: 1 } = {},
): Promise<CachedStampRow[]> {
  return db<CachedStampRow[]>`
    select c.id, c.address, c.provider, c.stamp
    from ceramic_cache_ceramiccache c
    left join ceramic_cache_revocation r on r.ceramic_cache_id = c.id
    where c.address = ${address.toLowerCase()} and c.deleted_at is null and r.id is null
      ${options.type === undefined ? db`` : db`and c.type = ${options.type}`}
    order by c.provider, c.id`
}

/** Live rows of these providers, any type, revoked included (scoring §9.3 step 2). */
export async function countLiveStampsForProviders(
  db: Db,
  address: string,
  providers: readonly string[],
): Promise<number> {
  const [row] = await db<{ count: number }[]>`
    select count(*)::int as count from ceramic_cache_ceramiccache
    where address = ${address.toLowerCase()} and provider = any(${textArray(db, [...providers])}::varchar[]) and deleted_at is null`
  return row?.count ?? 0
}

// Advisory lock namespace of stamp writes (the two-int4 form: a key space apart from the bigint
// locks of human-points.ts). The value spells "CCWR".
const STAMP_WRITE_LOCK_NAMESPACE = 0x43435752

/**
 * Serialises the stamp writes of one address until this transaction ends (D25): two identical
 * writes racing each other then run as if one came after the other.
 */
export async function lockAddressForStampWrites(db: Db, address: string): Promise<void> {
  await db`select pg_advisory_xact_lock(${STAMP_WRITE_LOCK_NAMESPACE}::int4, hashtext(${address.toLowerCase()}))`
}
