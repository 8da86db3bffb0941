import type { Db } from '../../../src/db/pool.js'
import type { CeramicCacheRow } from '../../../src/db/queries/ceramic-cache.js'
import type { StoredScoreRow } from '../../../src/db/queries/passports.js'
import { insertRawCacheRow } from './scoring-rows.js'

// Rows the ceramic-cache and embed endpoint tests arrange by hand (type-2 rows, stored scores)
// and the readers that assert on what one request wrote. Every NOT NULL column is supplied, as
// Django writes them (schema.md). Revocations: scoring-rows.ts; human points: human-points.ts.

export function listCacheRows(db: Db, address: string): Promise<CeramicCacheRow[]> {
  return db<
    CeramicCacheRow[]
  >`select * from ceramic_cache_ceramiccache where address = ${address.toLowerCase()} order by id`
}

export async function listLiveCacheRows(db: Db, address: string): Promise<CeramicCacheRow[]> {
  return (await listCacheRows(db, address)).filter((row) => row.deleted_at === null)
}

/** A cache row the add paths cannot write (a V2 `type`, an odd credential); live, source_app 1. */
export function insertCacheRow(
  db: Db,
  row: { address: string; provider: string; stamp?: unknown; type?: 1 | 2 },
): Promise<number> {
  return insertRawCacheRow(db, { ...row, stamp: row.stamp ?? { provider: row.provider } })
}

export interface StoredScoreInput {
  address: string
  communityId: number
  score: string | null
  status: 'DONE' | 'ERROR' | 'PROCESSING'
  error?: string | null
  /** timestamptz text */
  lastScoreTimestamp: string | null
  expirationDate: string | null
  /** Exact JSON text, so numbers keep Python's spelling. */
  evidenceJson: string | null
  stampsJson?: string | null
}

/** A passport and its score as an earlier scoring run left them (scoring §9.5 reads them back). */
export async function insertStoredScore(
  db: Db,
  input: StoredScoreInput,
): Promise<{ passportId: number; scoreId: number }> {
  const [passport] = await db<{ id: number }[]>`
    insert into registry_passport (address, community_id, requires_calculation) values (${input.address}, ${input.communityId}, null) returning id`
  const [score] = await db<{ id: number }[]>`
    insert into registry_score (score, passport_id, error, last_score_timestamp, status, evidence, stamp_scores, expiration_date, stamps)
    values (${input.score}, ${passport!.id}, ${input.error ?? null}, ${input.lastScoreTimestamp}, ${input.status},
      ${input.evidenceJson}::text::jsonb, '{}'::jsonb, ${input.expirationDate}, ${input.stampsJson ?? null}::text::jsonb)
    returning id`
  return { passportId: passport!.id, scoreId: score!.id }
}

export type ScoreRowSnapshot = Pick<
  StoredScoreRow,
  'id' | 'score' | 'status' | 'error' | 'last_score_timestamp' | 'expiration_date' | 'evidence' | 'stamps'
>

export async function findScoreRow(
  db: Db,
  address: string,
  communityId: number,
): Promise<ScoreRowSnapshot | undefined> {
  const [row] = await db<ScoreRowSnapshot[]>`
    select s.id, s.score, s.status, s.error, s.last_score_timestamp, s.expiration_date, s.evidence, s.stamps
    from registry_score s join registry_passport p on p.id = s.passport_id
    where p.address = ${address} and p.community_id = ${communityId}`
  return row
}

export interface EventRow {
  action: string
  address: string
  community_id: number | null
  data: unknown
}

export function listEvents(db: Db, address: string, communityId: number): Promise<EventRow[]> {
  return db<EventRow[]>`
    select action, address, community_id, data from registry_event where address = ${address} and community_id = ${communityId} order by id`
}

/**
 * Python's isoformat() (scoring §0 P3) of PostgreSQL's text of a UTC instant, written independently
 * of src/domain/formats: "2025-01-15 10:20:30.12+00" → "2025-01-15T10:20:30.120000+00:00".
 */
export function pyIsoOfPgText(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/.exec(text)
  if (!match) throw new Error(`not a UTC timestamptz text: ${text}`)
  return `${match[1]}T${match[2]}${match[3] ? `.${match[3].padEnd(6, '0')}` : ''}+00:00`
}

/** The instant of a timestamptz text, in epoch milliseconds. */
export function epochMsOfPgText(text: string): number {
  return Date.parse(text.replace(' ', 'T').replace(/\+00$/, 'Z'))
}

/**
 * Rows in the order the API lists and scores stamps (D20: provider, then id; the test databases use
 * the C collation, so code-point order).
 */
export function inProviderOrder<Row extends { provider: string; id: number }>(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : a.id - b.id))
}
