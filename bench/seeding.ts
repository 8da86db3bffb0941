import type { Db, Sql } from '../src/db/pool.js'
import { insertCeramicCacheStamps, type CeramicCacheSourceApp } from '../src/db/queries/ceramic-cache.js'
import { REFERENCE_THRESHOLD, REFERENCE_WEIGHTS } from '../src/dev/demo-seed.js'
import type { StampCredential } from '../src/dev/stamp-issuer.js'
import { addressFor, PROVIDERS, MAX_STAMPS, MIN_STAMPS } from './population.js'
import type { SignedPassport } from './signing.js'

// Passports per multi-row insert: 100 × ≤30 rows × 14 columns stays under postgres.js' 65,534 parameters.
const PASSPORTS_PER_INSERT = 100
// Background passports per transaction: ~40k cache rows, a few seconds each, so progress shows.
const BACKGROUND_CHUNK = 2_000

/** Cache rows as the Passport app's add path writes them (scoring §9.1), one statement per batch. */
export async function insertSignedPassports(
  sql: Sql,
  passports: readonly SignedPassport[],
  sourceApp: CeramicCacheSourceApp = 1,
): Promise<void> {
  for (let i = 0; i < passports.length; i += PASSPORTS_PER_INSERT) {
    const batch = passports.slice(i, i + PASSPORTS_PER_INSERT)
    await insertCeramicCacheStamps(
      sql,
      batch.flatMap(({ plan, credentials }) =>
        credentials.map((credential) => ({
          address: plan.address,
          provider: credential.credentialSubject.provider,
          stamp: credential,
          proof_value: credential.proof.proofValue ?? '',
          issuance_date: credential.issuanceDate,
          expiration_date: credential.expirationDate,
          source_app: sourceApp,
          source_scorer_id: null,
        })),
      ),
    )
  }
}

export interface CredentialTemplate {
  /** A signed credential's JSON text with the per-row values replaced by the marks below. */
  json: string
  issuanceDate: string
  expirationDate: string
}

const SUBJECT_MARK = '@@SUBJECT@@'
const PROVIDER_MARK = '@@PROVIDER@@'
const NULLIFIER_MARK = '@@NULLIFIER@@'
const PROOF_MARK = '@@PROOF@@'

/** One signed credential, with the values each background row replaces marked. */
export function credentialTemplate(credential: StampCredential): CredentialTemplate {
  const subject = credential.credentialSubject
  const marked = {
    ...credential,
    credentialSubject: { ...subject, id: SUBJECT_MARK, provider: PROVIDER_MARK, nullifiers: [NULLIFIER_MARK] },
    proof: { ...credential.proof, proofValue: PROOF_MARK },
  }
  return {
    json: JSON.stringify(marked),
    issuanceDate: credential.issuanceDate,
    expirationDate: credential.expirationDate,
  }
}

export interface BackgroundRange {
  start: number
  end: number
}

/**
 * Background cache rows, generated in PostgreSQL from one signed template credential: each row is
 * the template with its own subject DID, provider, nullifier (population.ts' formulas, repeated
 * here in SQL) and a proofValue of the right length that is NOT a signature over that subject.
 * These passports exist to give the tables production-like size; no scenario ever scores them.
 */
async function insertSyntheticCacheRows(sql: Db, template: CredentialTemplate, range: BackgroundRange): Promise<void> {
  await sql`
    with p as (
      select j, '0x' || substr(encode(sha256(convert_to('bench:' || j, 'UTF8')), 'hex'), 1, 40) as address,
             ${MIN_STAMPS} + (j % ${MAX_STAMPS - MIN_STAMPS + 1}) as n, (j * 7) % ${PROVIDERS.length} as rotation
      from generate_series(${range.start}::int, ${range.end - 1}::int) as j
    ), s as (
      select p.j, k, p.address, (${sql.array([...PROVIDERS])}::text[])[((p.rotation + k) % ${PROVIDERS.length}) + 1] as provider
      from p, generate_series(0, p.n - 1) as k
    )
    insert into ceramic_cache_ceramiccache (type, address, provider, stamp, proof_value, created_at, updated_at, deleted_at,
      compose_db_save_status, compose_db_stream_id, issuance_date, expiration_date, source_app, source_scorer_id)
    select 1, address, provider,
      replace(replace(replace(replace(${template.json}::text,
        ${SUBJECT_MARK}, 'did:pkh:eip155:1:' || address),
        ${PROVIDER_MARK}, provider),
        ${NULLIFIER_MARK}, 'v0:' || encode(sha256(convert_to('bench-nullifier:' || address || ':' || provider, 'UTF8')), 'base64')),
        ${PROOF_MARK}, proof_value)::jsonb,
      proof_value, now(), now(), null, 'pending', '', ${template.issuanceDate}::timestamptz, ${template.expirationDate}::timestamptz, 1, null
    from (
      select s.*, '0x' || encode(sha256(convert_to('bench-proof-r:' || address || ':' || provider, 'UTF8'))
                                 || sha256(convert_to('bench-proof-s:' || address || ':' || provider, 'UTF8')) || '\\x1b'::bytea, 'hex') as proof_value
      from s
    ) as rows
    order by j, k`
}

/**
 * The registry rows a past scoring of each background passport left (scoring §5.2): passport,
 * DONE score with evidence and stamp breakdown, the stamps, one hash link per nullifier and the
 * SCU event, all derived from the live cache rows of those addresses.
 */
async function insertScoredState(sql: Db, communityId: number, addresses: readonly string[]): Promise<void> {
  await sql`
    with cc as (
      select address, provider, stamp, stamp ->> 'expirationDate' as expires, (${JSON.stringify(REFERENCE_WEIGHTS)}::text::jsonb ->> provider)::numeric as weight
      from ceramic_cache_ceramiccache
      where address = any(${sql.array([...addresses])}::text[]) and deleted_at is null
    ), pp as (
      insert into registry_passport (address, community_id, requires_calculation)
      select distinct address, ${communityId}::bigint, null::boolean from cc
      returning id, address
    ), st as (
      insert into registry_stamp (provider, credential, passport_id)
      select cc.provider, cc.stamp, pp.id from cc join pp using (address)
    ), hl as (
      insert into registry_hashscorerlink (hash, address, expires_at, community_id)
      select n.hash, cc.address, cc.expires::timestamptz, ${communityId}::bigint
      from cc cross join lateral jsonb_array_elements_text(cc.stamp -> 'credentialSubject' -> 'nullifiers') as n(hash)
    ), totals as (
      select pp.id as passport_id, sum(coalesce(cc.weight, 0)) as raw, min(cc.expires::timestamptz) as expires_at,
             jsonb_object_agg(cc.provider, coalesce(cc.weight, 0)) as stamp_scores,
             jsonb_object_agg(cc.provider, jsonb_build_object('score', to_char(coalesce(cc.weight, 0), 'FM999990.00000'), 'dedup', false, 'expiration_date', cc.expires)) as stamps
      from cc join pp using (address) group by pp.id
    ), sc as (
      insert into registry_score (score, passport_id, error, last_score_timestamp, status, evidence, stamp_scores, expiration_date, stamps)
      select case when raw >= ${REFERENCE_THRESHOLD}::numeric then 1 else 0 end, passport_id, null, now(), 'DONE',
             jsonb_build_object('type', 'ThresholdScoreCheck', 'success', raw >= ${REFERENCE_THRESHOLD}::numeric, 'rawScore', raw::text, 'threshold', ${REFERENCE_THRESHOLD}::text),
             stamp_scores, expires_at, stamps
      from totals
      returning id, passport_id, score, evidence, stamp_scores, stamps, last_score_timestamp, expiration_date
    )
    insert into registry_event (action, address, created_at, data, community_id)
    select 'SCU', pp.address, now(),
           jsonb_build_object('model', 'registry.score', 'pk', sc.id, 'fields', jsonb_build_object(
             'passport', sc.passport_id, 'score', sc.score::int::text, 'last_score_timestamp', to_char(sc.last_score_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'status', 'DONE', 'error', null, 'evidence', sc.evidence, 'stamp_scores', sc.stamp_scores, 'stamps', sc.stamps,
             'expiration_date', to_char(sc.expiration_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
           ${communityId}::bigint
    from sc join pp on pp.id = sc.passport_id`
}

export interface BackgroundOptions {
  communityId: number
  /** The signed credential whose JSON the synthetic rows copy. */
  template: CredentialTemplate
  /** With --sign-all: signs and inserts these passports' cache rows instead of synthesising them. */
  insertSigned?: (range: BackgroundRange) => Promise<void>
  onProgress?: (done: number) => void
}

export async function seedBackground(sql: Sql, range: BackgroundRange, options: BackgroundOptions): Promise<void> {
  for (let start = range.start; start < range.end; start += BACKGROUND_CHUNK) {
    const chunk = { start, end: Math.min(range.end, start + BACKGROUND_CHUNK) }
    const addresses = Array.from({ length: chunk.end - chunk.start }, (_, k) => addressFor(chunk.start + k))
    if (options.insertSigned) {
      await options.insertSigned(chunk)
      await insertScoredState(sql, options.communityId, addresses)
    } else {
      await sql.begin(async (tx) => {
        await insertSyntheticCacheRows(tx, options.template, chunk)
        await insertScoredState(tx, options.communityId, addresses)
      })
    }
    options.onProgress?.(chunk.end - range.start)
  }
}

/**
 * Fresh planner statistics and visibility maps, as autovacuum keeps them in production, then a
 * CHECKPOINT, so the next scenario does not pay for writing out the seeding's dirty pages.
 * CHECKPOINT needs superuser (or pg_checkpoint); without it the run goes on.
 */
export async function analyzeTables(sql: Sql): Promise<void> {
  await sql.unsafe(`vacuum (analyze) ceramic_cache_ceramiccache, registry_passport, registry_score, registry_stamp,
    registry_hashscorerlink, registry_event, account_accountapikey, ceramic_cache_ban`)
  await sql.unsafe('checkpoint').catch(() => undefined)
}

export interface TableCounts {
  /** Addresses with live stamps in the ceramic cache. */
  cacheAddresses: number
  /** registry_passport rows: passports scored at least once. */
  passports: number
  scores: number
  cacheRows: number
  stamps: number
  hashLinks: number
  events: number
  databaseMb: number
}

export async function countTables(sql: Sql): Promise<TableCounts> {
  const [row] = await sql<TableCounts[]>`
    select (select count(distinct address) from ceramic_cache_ceramiccache where deleted_at is null)::int as "cacheAddresses",
           (select count(*) from registry_passport)::int as passports,
           (select count(*) from registry_score)::int as scores,
           (select count(*) from ceramic_cache_ceramiccache)::int as "cacheRows",
           (select count(*) from registry_stamp)::int as stamps,
           (select count(*) from registry_hashscorerlink)::int as "hashLinks",
           (select count(*) from registry_event)::int as events,
           round(pg_database_size(current_database()) / 1048576.0)::int as "databaseMb"`
  return row!
}
