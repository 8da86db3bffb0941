import type { Sql } from '../src/db/pool.js'
import type { CreatedApiKey } from '../src/domain/api-keys.js'
import type { CapturedRescore } from './floor.js'
import {
  findCommunityScorerId,
  readScoredPassportState,
  type CapturedStatement,
  type ScoredPassportState,
} from './sql.js'

// Python's statements for one warm v2 rescore of a scored passport (scoring §5.2, §7.3, §7.5,
// §4.1, §3.2), written with the bench's own rows so they can be replayed beside ours: the Django
// ORM's statement shapes (every column selected, `LIMIT 21` on a `get`, `bulk_update` as CASE,
// one INSERT per stamp), values bound as parameters. Python commits each statement on its own;
// here they run in ONE transaction, which spares Python a WAL flush per write — the comparison
// favours Python. Human points are off in the bench's community, so none of §6 appears.

interface PythonSequenceInput {
  communityId: number
  accountId: number
  passports: readonly { address: string; key: CreatedApiKey }[]
}

const statement = (text: string, params: unknown[]): CapturedStatement => ({
  text: text.replace(/\s+/g, ' ').trim(),
  params,
  types: params.map(() => 0),
})

/** `$from, $from+1, …` for a list bound element by element, as Django's `__in` does. */
const placeholders = (from: number, count: number): string =>
  Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ')

function scorerReads(scorerId: number): CapturedStatement[] {
  return [
    statement('select * from scorer_weighted_scorer where id = $1 limit 21', [scorerId]),
    statement(
      `select * from scorer_weighted_binaryweightedscorer b join scorer_weighted_scorer s on s.id = b.scorer_ptr_id
       where b.scorer_ptr_id = $1 limit 21`,
      [scorerId],
    ),
  ]
}

function linkUpdate(state: ScoredPassportState, address: string): CapturedStatement {
  // Quirk Q3.2: every owned link is written again on every rescore, address unchanged.
  const links = state.links
  const params: unknown[] = []
  const whenExpires = links.map((link) => {
    params.push(link.id, link.expiresAt)
    return `when id = $${params.length - 1} then $${params.length}::timestamptz`
  })
  const whenAddress = links.map((link) => {
    params.push(link.id, address)
    return `when id = $${params.length - 1} then $${params.length}::varchar(100)`
  })
  const ids = links.map((link) => {
    params.push(link.id)
    return `$${params.length}`
  })
  return statement(
    `update registry_hashscorerlink set expires_at = case ${whenExpires.join(' ')} else null end,
     address = case ${whenAddress.join(' ')} else null end where id in (${ids.join(', ')})`,
    params,
  )
}

function rescoreStatements(
  input: PythonSequenceInput,
  scorerId: number,
  address: string,
  key: CreatedApiKey,
  state: ScoredPassportState,
): CapturedStatement[] {
  const { communityId, accountId } = input
  const hashes = state.links.map((link) => link.hash)
  const { score } = state
  return [
    // §7.3 the key by prefix; §7.5 the community by external id, then by id; §4.1 its scorer.
    statement('select * from account_accountapikey where prefix = $1 and revoked = false limit 21', [key.prefix]),
    statement('select * from account_community where external_scorer_id = $1 and account_id = $2 limit 21', [
      String(communityId),
      accountId,
    ]),
    statement('select * from account_community where id = $1 and account_id = $2 limit 21', [communityId, accountId]),
    ...scorerReads(scorerId),
    statement('begin', []),
    // §5.2 steps 2–3: passport update_or_create (locked), score get_or_create.
    statement('select * from registry_passport where address = $1 and community_id = $2 limit 21 for update', [
      address,
      communityId,
    ]),
    statement('select * from registry_score where passport_id = $1 limit 21', [state.passportId]),
    // §1: the cache rows, whole.
    statement(
      `select c.* from ceramic_cache_ceramiccache c left join ceramic_cache_revocation r on r.ceramic_cache_id = c.id
       where c.address = $1 and c.deleted_at is null and r.id is null`,
      [address],
    ),
    // §3.2: links, bulk_update of the owned ones, the verification count.
    statement(
      `select * from registry_hashscorerlink where hash in (${placeholders(1, hashes.length)}) and community_id = $${hashes.length + 1}`,
      [...hashes, communityId],
    ),
    linkUpdate(state, address),
    statement(
      `select count(*) from registry_hashscorerlink where address = $1 and community_id = $2 and hash in (${placeholders(3, hashes.length)})`,
      [address, communityId, ...hashes],
    ),
    // §5.2 step 6: the stamps replaced, one INSERT per kept stamp.
    statement('delete from registry_stamp where passport_id = $1', [state.passportId]),
    ...state.stamps.map((stamp) =>
      statement('insert into registry_stamp (passport_id, provider, credential) values ($1, $2, $3) returning id', [
        state.passportId,
        stamp.provider,
        stamp.credential,
      ]),
    ),
    // §5.2 step 7: the calculation reads community, scorer, customization and the stamps again.
    statement('select * from account_community where id = $1 limit 21', [communityId]),
    ...scorerReads(scorerId),
    statement('select * from account_customization where scorer_id = $1 limit 21', [communityId]),
    statement('select * from registry_stamp where passport_id = $1', [state.passportId]),
    // §5.2 step 9: the SCU event, then the full-row score save.
    statement(
      `insert into registry_event (action, address, created_at, data, community_id) values ('SCU', $1, now(), $2, $3) returning id`,
      [address, state.eventData, communityId],
    ),
    statement(
      `update registry_score set passport_id = $1, score = $2, last_score_timestamp = $3, status = $4, error = $5,
       evidence = $6, stamp_scores = $7, stamps = $8, expiration_date = $9 where id = $10`,
      [
        state.passportId,
        score.score,
        score.lastScoreTimestamp,
        score.status,
        null,
        score.evidence,
        score.stampScores,
        score.stamps,
        score.expirationDate,
        state.scoreId,
      ],
    ),
    statement('commit', []),
  ]
}

/** Python's sequence for each passport (already scored once, so the rows it would read exist). */
export async function buildPythonSequences(sql: Sql, input: PythonSequenceInput): Promise<CapturedRescore[]> {
  const scorerId = await findCommunityScorerId(sql, input.communityId)
  const sequences: CapturedRescore[] = []
  for (const { address, key } of input.passports) {
    const state = await readScoredPassportState(sql, input.communityId, address)
    sequences.push({ address, statements: rescoreStatements(input, scorerId, address, key, state) })
  }
  return sequences
}
