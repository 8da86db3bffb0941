import { randomBytes } from 'node:crypto'
import type { JSONValue } from 'postgres'
import { textArray, type Db } from '../../../src/db/pool.js'
import type { HashLinkRow } from '../../../src/db/queries/hash-links.js'
import type { StoredScoreRow } from '../../../src/db/queries/passports.js'

// Rows the scoring tests arrange by hand (what the app's add path cannot produce: type-2 rows,
// revocations, customizations, links of other addresses) and the readers that assert on what one
// scoring run wrote. Every NOT NULL column is supplied, as Django writes them (schema.md).

export interface RawCacheRow {
  address: string
  provider: string
  /** Stored verbatim as jsonb (a tampered or odd credential is fine here). */
  stamp: unknown
  type?: 1 | 2
  /** timestamptz text; default now(). */
  updatedAt?: string
  deletedAt?: string | null
}

/** One `ceramic_cache_ceramiccache` row with the type, `updated_at` and `deleted_at` chosen by the test. */
export async function insertRawCacheRow(db: Db, row: RawCacheRow): Promise<number> {
  const updatedAt = row.updatedAt ?? new Date().toISOString()
  const proofValue = `0x${randomBytes(16).toString('hex')}`
  const [inserted] = await db<{ id: number }[]>`
    insert into ceramic_cache_ceramiccache (address, provider, stamp, created_at, updated_at, type, deleted_at, compose_db_save_status,
      compose_db_stream_id, expiration_date, issuance_date, proof_value, source_app, source_scorer_id)
    values (${row.address.toLowerCase()}, ${row.provider}, ${db.json(row.stamp as JSONValue)}, ${updatedAt}, ${updatedAt}, ${row.type ?? 1},
      ${row.deletedAt ?? null}, 'pending', '', null, null, ${proofValue}, 1, null)
    returning id`
  return inserted!.id
}

/** A `ceramic_cache_revocation` row pointing at the cache row (scoring §1: revoked rows are not scored). */
export async function revokeCacheRow(db: Db, cacheRowId: number): Promise<void> {
  await db`
    insert into ceramic_cache_revocation (proof_value, ceramic_cache_id, revocation_list_id)
    select proof_value, id, null from ceramic_cache_ceramiccache where id = ${cacheRowId}`
}

/** What the Passport app's re-add does to the previous row of a provider. */
export async function softDeleteCacheRows(db: Db, address: string, providers: readonly string[]): Promise<void> {
  await db`
    update ceramic_cache_ceramiccache set deleted_at = now(), updated_at = now()
    where address = ${address.toLowerCase()} and provider = any(${textArray(db, providers)}::text[]) and deleted_at is null`
}

/**
 * The scorer's `weights` as exact JSON text, so a test can store Python floats (`1.0`) that
 * JSON.stringify would write as integers.
 */
export async function setScorerWeightsJson(db: Db, scorerId: number, weightsJson: string): Promise<void> {
  await db`update scorer_weighted_binaryweightedscorer set weights = ${weightsJson}::text::jsonb where scorer_ptr_id = ${scorerId}`
  await db`update scorer_weighted_weightedscorer set weights = ${weightsJson}::text::jsonb where scorer_ptr_id = ${scorerId}`
}

/** A Customization of the community with one AllowList (scoring §4.1 step 5): provider `AllowList#<listName>`. */
export async function createAllowListCustomization(
  db: Db,
  communityId: number,
  options: { listName: string; weight: string },
): Promise<void> {
  const [customization] = await db<{ id: number }[]>`
    insert into account_customization (path, scorer_id, use_custom_dashboard_panel, body_display_info_tooltip, button_action_type,
      show_explanation_panel, partner_name, nav_order, show_in_top_nav)
    values (${`path-${randomBytes(6).toString('hex')}`}, ${communityId}, false, false, 'Simple Link', true, 'Partner', 0, false)
    returning id`
  const [list] = await db<
    { id: number }[]
  >`insert into account_addresslist (name) values (${options.listName}) returning id`
  await db`insert into account_allowlist (weight, address_list_id, customization_id) values (${options.weight}, ${list!.id}, ${customization!.id})`
}

export async function insertHashLink(
  db: Db,
  link: { hash: string; address: string; communityId: number; expiresAt: string },
): Promise<number> {
  const [row] = await db<{ id: number }[]>`
    insert into registry_hashscorerlink (hash, address, expires_at, community_id)
    values (${link.hash}, ${link.address.toLowerCase()}, ${link.expiresAt}, ${link.communityId})
    returning id`
  return row!.id
}

export interface PassportRow {
  id: number
  address: string
  community_id: number
  requires_calculation: boolean | null
}

export interface ScoreRow extends Omit<StoredScoreRow, 'address'> {
  /** jsonb's own text, to see Python's float spelling (`15.0`). */
  stamp_scores_text: string | null
}

export interface StampRow {
  id: number
  provider: string
  credential: unknown
}

export interface EventRow {
  id: number
  action: string
  address: string
  community_id: number | null
  data: unknown
}

export interface ScoringRows {
  passports: PassportRow[]
  score: ScoreRow | undefined
  stamps: StampRow[]
  events: EventRow[]
}

/** Everything one address's scoring wrote in one community (links are read per hash: they can belong to others). */
export async function readScoringRows(db: Db, address: string, communityId: number): Promise<ScoringRows> {
  const passports = await db<PassportRow[]>`
    select id, address, community_id, requires_calculation from registry_passport where address = ${address} and community_id = ${communityId} order by id`
  const passportId = passports[0]?.id ?? -1
  const [score] = await db<ScoreRow[]>`
    select id, passport_id, score, status, error, last_score_timestamp, expiration_date, evidence, stamp_scores, stamps, stamp_scores::text as stamp_scores_text
    from registry_score where passport_id = ${passportId}`
  const stamps = await db<
    StampRow[]
  >`select id, provider, credential from registry_stamp where passport_id = ${passportId} order by id`
  const events = await listEvents(db, address, communityId)
  return { passports, score, stamps, events }
}

export async function listEvents(
  db: Db,
  address: string,
  communityId: number,
  action?: 'LDP' | 'SCU',
): Promise<EventRow[]> {
  const rows = await db<EventRow[]>`
    select id, action, address, community_id, data from registry_event
    where address = ${address} and community_id = ${communityId} order by id`
  return action === undefined ? rows : rows.filter((row) => row.action === action)
}

export async function listHashLinks(db: Db, communityId: number, hashes: readonly string[]): Promise<HashLinkRow[]> {
  return db<HashLinkRow[]>`
    select id, hash, address, expires_at from registry_hashscorerlink
    where community_id = ${communityId} and hash = any(${textArray(db, hashes)}::text[]) order by id`
}

export async function listHashLinksOf(db: Db, communityId: number, address: string): Promise<HashLinkRow[]> {
  return db<HashLinkRow[]>`
    select id, hash, address, expires_at from registry_hashscorerlink
    where community_id = ${communityId} and address = ${address} order by hash collate "C"`
}

/** A nullifier no other test uses (tests share one database per file). */
export function uniqueNullifier(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`
}
