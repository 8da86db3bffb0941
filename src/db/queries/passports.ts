import { bigintArray, textArray, type Db } from '../pool.js'

// registry_passport / registry_score / registry_stamp: the rows one scoring run writes
// (scoring §5.2). Every column is supplied: the Django schema has no column defaults.

/**
 * Django `update_or_create(address, community)`: insert if missing, never update. The row stays
 * locked (Django's `select_for_update`) until the caller's transaction ends, so two runs for the
 * same passport cannot interleave their stamp delete + insert and leave both sets behind.
 */
export async function getOrCreatePassportId(db: Db, address: string, communityId: number): Promise<number> {
  const [inserted] = await db<{ id: number }[]>`
    insert into registry_passport (address, community_id, requires_calculation)
    values (${address}, ${communityId}, null)
    on conflict (address, community_id) do nothing
    returning id`
  if (inserted) return inserted.id
  const [existing] = await db<
    { id: number }[]
  >`select id from registry_passport where address = ${address} and community_id = ${communityId} for update`
  if (!existing) throw new Error(`registry_passport row for ${address} in community ${communityId} vanished`)
  return existing.id
}

export interface ClaimedScore {
  passportId: number
  scoreId: number
}

/**
 * Both get-or-creates of scoring §5.2 steps 2–3 in one statement, the existing passport row locked
 * like `getOrCreatePassportId` does. Undefined in the one case a single statement cannot see: a
 * concurrent transaction created the passport after this statement's snapshot — the caller then
 * falls back to the two-step path, which waits for and sees that row.
 */
export async function claimPassportAndScore(
  db: Db,
  address: string,
  communityId: number,
): Promise<ClaimedScore | undefined> {
  const [row] = await db<{ passport_id: number | null; score_id: number | null }[]>`
    with new_passport as (
      insert into registry_passport (address, community_id, requires_calculation)
      values (${address}, ${communityId}, null)
      on conflict (address, community_id) do nothing
      returning id
    ), existing_passport as (
      select id from registry_passport where address = ${address} and community_id = ${communityId} for update
    ), passport as (
      select id from new_passport union all select id from existing_passport limit 1
    ), new_score as (
      insert into registry_score (score, passport_id, error, last_score_timestamp, status, evidence, stamp_scores, expiration_date, stamps)
      select null, id, null, null, 'PROCESSING', null, null, null, null from passport
      on conflict (passport_id) do nothing
      returning id
    )
    select (select id from passport) as passport_id,
           coalesce((select id from new_score), (select s.id from registry_score s where s.passport_id = (select id from passport))) as score_id`
  if (!row || row.passport_id === null || row.score_id === null) return undefined
  return { passportId: row.passport_id, scoreId: row.score_id }
}

/** The passport's and its score's ids when both exist (a rescore), read without locking. */
export async function findClaimedScore(
  db: Db,
  address: string,
  communityId: number,
): Promise<ClaimedScore | undefined> {
  const [row] = await db<{ passport_id: number; score_id: number }[]>`
    select p.id as passport_id, s.id as score_id
    from registry_passport p join registry_score s on s.passport_id = p.id
    where p.address = ${address} and p.community_id = ${communityId}`
  return row && { passportId: row.passport_id, scoreId: row.score_id }
}

/** The passport row locked until the transaction ends, as `getOrCreatePassportId` locks it. Sent at once. */
export function lockPassport(db: Db, passportId: number) {
  return db`select id from registry_passport where id = ${passportId} for update`.execute()
}

/** Django `get_or_create(passport, defaults={score: None, status: PROCESSING})`. */
export async function getOrCreateScoreId(db: Db, passportId: number): Promise<number> {
  const [inserted] = await db<{ id: number }[]>`
    insert into registry_score (score, passport_id, error, last_score_timestamp, status, evidence, stamp_scores, expiration_date, stamps)
    values (null, ${passportId}, null, null, 'PROCESSING', null, null, null, null)
    on conflict (passport_id) do nothing
    returning id`
  if (inserted) return inserted.id
  const [existing] = await db<{ id: number }[]>`select id from registry_score where passport_id = ${passportId}`
  if (!existing) throw new Error(`registry_score row for passport ${passportId} vanished`)
  return existing.id
}

export interface NewStampRow {
  provider: string
  /**
   * Where the credential comes from: the ceramic-cache row it was read from (copied inside the
   * database, so ~3 KB of JSON per stamp is not sent back), or JSON text when there is no row.
   */
  source: { cacheId: number } | { credentialJson: string }
}

export interface FinishedRun {
  passportId: number
  scoreId: number
  stamps: readonly NewStampRow[]
  event: { address: string; communityId: number; dataJson: string }
  update: ScoreUpdate
}

/**
 * scoring §5.2 steps 6 and 9 in one statement: the passport's stamps replaced (unless they are
 * already exactly these), the SCU event, the full-row score save. The parts touch different rows
 * and commit together, so the committed state is the one Django's sequence leaves; the DELETE sees
 * only the old stamps (one snapshot).
 */
export async function finishScoringRun(db: Db, run: FinishedRun): Promise<boolean> {
  const { update } = run
  const [row] = await db<{ written: boolean }[]>`
    with claimed as (
      -- The rows this run claimed still exist (nothing is written otherwise; the caller then claims again).
      select exists (
        select 1 from registry_score where id = ${run.scoreId} and passport_id = ${run.passportId}
      ) as yes
    ), wanted as (
      select t.provider, coalesce(c.stamp, t.credential::jsonb) as credential, t.position
      from unnest(${textArray(
        db,
        run.stamps.map((s) => s.provider),
      )}::text[],
                  ${bigintArray(
                    db,
                    run.stamps.map((s) => ('cacheId' in s.source ? s.source.cacheId : 0)),
                  )}::bigint[],
                  ${textArray(
                    db,
                    run.stamps.map((s) => ('credentialJson' in s.source ? s.source.credentialJson : '')),
                  )}::text[])
        with ordinality as t(provider, cache_id, credential, position)
      left join ceramic_cache_ceramiccache c on c.id = t.cache_id
    ), current_stamps as (
      select provider, credential, row_number() over (order by id) as position from registry_stamp where passport_id = ${run.passportId}
    ), unchanged as (
      -- A rescore that finds the same stamps in the same order would delete and re-insert identical
      -- rows; leaving them saves most of a warm rescore's writes (only the row ids differ from Django).
      select not exists (
        select 1 from wanted w full join current_stamps c on c.position = w.position
        where w.position is null or c.position is null or w.provider <> c.provider or w.credential <> c.credential
      ) as yes
    ), deleted_stamps as (
      delete from registry_stamp where passport_id = ${run.passportId} and not (select yes from unchanged)
        and (select yes from claimed)
    ), inserted_stamps as (
      insert into registry_stamp (provider, credential, passport_id)
      select provider, credential, ${run.passportId} from wanted
      where not (select yes from unchanged) and (select yes from claimed)
      order by position
    ), score_event as (
      insert into registry_event (action, address, created_at, data, community_id)
      select 'SCU', ${run.event.address}, clock_timestamp(), ${run.event.dataJson}::text::jsonb, ${run.event.communityId}
      where (select yes from claimed)
    ), saved_score as (
      ${saveScore(db, run.scoreId, run.passportId, update)}
      returning id
    )
    select (select yes from claimed) as written`
  return row?.written === true
}

interface ScoreUpdate {
  /** numeric(18,9) text: "1" / "0", or null on error. */
  score: string | null
  status: 'DONE' | 'ERROR'
  error: string | null
  lastScoreTimestamp: string | null
  expirationDate: string | null
  /** JSON texts (Python formatting preserved), or null. */
  evidenceJson: string | null
  stampScoresJson: string | null
  stampsJson: string | null
}

/** Django's full-row `score.save()`, as a statement fragment (JSON bound as text to keep Python's spelling). */
function saveScore(db: Db, scoreId: number, passportId: number, update: ScoreUpdate) {
  return db`
    update registry_score set
      passport_id = ${passportId},
      score = ${update.score},
      last_score_timestamp = ${update.lastScoreTimestamp},
      status = ${update.status},
      error = ${update.error},
      evidence = ${update.evidenceJson}::text::jsonb,
      stamp_scores = ${update.stampScoresJson}::text::jsonb,
      stamps = ${update.stampsJson}::text::jsonb,
      expiration_date = ${update.expirationDate}
    where id = ${scoreId}`
}

export async function updateScore(db: Db, scoreId: number, passportId: number, update: ScoreUpdate): Promise<void> {
  await saveScore(db, scoreId, passportId, update)
}

export interface StoredScoreRow {
  id: number
  passport_id: number
  address: string
  score: string | null
  status: string | null
  error: string | null
  last_score_timestamp: string | null
  expiration_date: string | null
  evidence: unknown
  stamp_scores: unknown
  stamps: unknown
}

export async function findStoredScore(
  db: Db,
  address: string,
  communityId: number,
): Promise<StoredScoreRow | undefined> {
  const [row] = await db<StoredScoreRow[]>`
    select s.id, s.passport_id, p.address, s.score, s.status, s.error, s.last_score_timestamp, s.expiration_date, s.evidence, s.stamp_scores, s.stamps
    from registry_score s join registry_passport p on p.id = s.passport_id
    where p.address = ${address} and p.community_id = ${communityId}`
  return row
}
