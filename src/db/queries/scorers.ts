import type { Db } from '../pool.js'

/** A community joined to its scorer, as `Community.get_scorer()` resolves it (scoring §4.1). */
export interface ScoringCommunityRow {
  id: number
  name: string
  account_id: number
  scorer_id: number
  rule: string
  human_points_program: boolean
  external_scorer_id: string | null
  /** Raw timestamptz text; Python's lookups by id ignore it (soft-deleted communities still resolve). */
  deleted_at: string | null
  /** `scorer_weighted_scorer.type`: 'WEIGHTED', 'WEIGHTED_BINARY', or whatever an admin wrote. */
  scorer_type: string
  /** False when `scorer_type` names no child table or the child row is missing. */
  has_scorer_row: boolean
  /**
   * The child row's `weights` jsonb as PostgreSQL's text (the text postgres.js would JSON.parse);
   * null for SQL NULL. Parsed by the domain, once per distinct text.
   */
  weights: string | null
  /** The child row's numeric(10,5) threshold as text ("20.00000"); null without a child row. */
  threshold: string | null
  /**
   * scoring §4.1 step 5: [provider, weight text] of the customization's allow lists
   * (`AllowList#<name>`) then custom credentials (ruleset provider id), in Python's update order.
   * The weight stays numeric(7,4) text ("10.0000"): Python's Decimal keeps those zeros.
   */
  overlay_weights: [string, string][]
}

// scoring §4.1: the child table is chosen by `scorer.type` and keyed by `community.scorer_id`
// (never by the community id, the Rust port's mistake). Everything scoring needs in one round trip.
function scoringCommunityColumns(db: Db) {
  return db`
    c.id, c.name, c.account_id, c.scorer_id, c.rule, c.human_points_program, c.external_scorer_id, c.deleted_at,
    s.type as scorer_type,
    case s.type when 'WEIGHTED' then w.scorer_ptr_id is not null when 'WEIGHTED_BINARY' then b.scorer_ptr_id is not null else false end as has_scorer_row,
    (case s.type when 'WEIGHTED' then w.weights when 'WEIGHTED_BINARY' then b.weights end)::text as weights,
    case s.type when 'WEIGHTED' then w.threshold when 'WEIGHTED_BINARY' then b.threshold end as threshold,
    (select coalesce(json_agg(json_build_array(o.provider, o.weight) order by o.source, o.id), '[]'::json) from (
       select 'AllowList#' || l.name as provider, a.weight::text as weight, 0 as source, a.id
       from account_customization cz
       join account_allowlist a on a.customization_id = cz.id
       join account_addresslist l on l.id = a.address_list_id
       where cz.scorer_id = c.id
       union all
       select r.provider_id, cc.weight::text, 1, cc.id
       from account_customization cz
       join account_customcredential cc on cc.customization_id = cz.id
       join account_customcredentialruleset r on r.id = cc.ruleset_id
       where cz.scorer_id = c.id
     ) o) as overlay_weights`
}

function scorerJoins(db: Db) {
  return db`
    join scorer_weighted_scorer s on s.id = c.scorer_id
    left join scorer_weighted_weightedscorer w on w.scorer_ptr_id = s.id
    left join scorer_weighted_binaryweightedscorer b on b.scorer_ptr_id = s.id`
}

export async function findScoringCommunity(db: Db, communityId: number): Promise<ScoringCommunityRow | undefined> {
  const [row] = await db<ScoringCommunityRow[]>`
    select ${scoringCommunityColumns(db)} from account_community c ${scorerJoins(db)} where c.id = ${communityId}`
  return row
}

// A Python int that also fits a bigint id; anything else can only match an external id.
function idOrNull(scorerId: string): number | null {
  return /^\d+$/.test(scorerId) && scorerId.length < 16 ? Number(scorerId) : null
}

// endpoints §1.7: the external id first, then the id, both restricted to the caller's account;
// soft-deleted communities are not excluded (parity).
export async function findScoringCommunityForAccount(
  db: Db,
  scorerId: string,
  accountId: number,
): Promise<ScoringCommunityRow | undefined> {
  const [row] = await db<ScoringCommunityRow[]>`
    select ${scoringCommunityColumns(db)}
    from (
      select id, 0 as rank from account_community where external_scorer_id = ${scorerId} and account_id = ${accountId}
      union all
      select id, 1 as rank from account_community where id = ${idOrNull(scorerId)} and account_id = ${accountId}
    ) matched
    join account_community c on c.id = matched.id
    ${scorerJoins(db)}
    order by matched.rank limit 1`
  return row
}

/** A community the scorer id names for some account: rank 0 by external id, 1 by id. */
export type ScoringCommunityCandidate = ScoringCommunityRow & { rank: number }

/**
 * What `findScoringCommunityForAccount` chooses from, for every account: read before the caller's
 * account is known (with its API key), the choice is the caller's (at most two rows: the external
 * id is unique).
 */
export async function findScoringCommunityCandidates(db: Db, scorerId: string): Promise<ScoringCommunityCandidate[]> {
  return db<ScoringCommunityCandidate[]>`
    select ${scoringCommunityColumns(db)}, matched.rank
    from (
      select id, 0 as rank from account_community where external_scorer_id = ${scorerId}
      union all
      select id, 1 as rank from account_community where id = ${idOrNull(scorerId)}
    ) matched
    join account_community c on c.id = matched.id
    ${scorerJoins(db)}`
}

export async function findCommunityAccountId(db: Db, communityId: number): Promise<number | undefined> {
  const [row] = await db<{ account_id: number }[]>`select account_id from account_community where id = ${communityId}`
  return row?.account_id
}
