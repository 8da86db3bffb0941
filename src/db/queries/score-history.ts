import type { Db } from '../pool.js'

// endpoints §17: the score history reads the community by id for the key's account, then the
// newest SCORE_UPDATE event at or before a time.

/** Django's `Community.objects.get(id=…, account=…)`: soft-deleted communities included. */
export async function findAccountCommunityId(
  db: Db,
  communityId: number,
  accountId: number,
): Promise<number | undefined> {
  const [row] = await db<{ id: number }[]>`
    select id from account_community where id = ${communityId} and account_id = ${accountId}`
  return row?.id
}

export interface ScoreEventRow {
  id: number
  data: unknown
}

/**
 * The newest `SCU` event of (community, address), at or before `createdAtOrBefore` (timestamptz
 * text) when given, without an address condition when `address` is undefined (Python's filter
 * skips an empty value). Python orders by created_at only; id breaks a tie.
 */
export async function findLatestScoreEvent(
  db: Db,
  filter: { communityId: number; address: string | undefined; createdAtOrBefore: string | undefined },
): Promise<ScoreEventRow | undefined> {
  const [row] = await db<ScoreEventRow[]>`
    select id, data from registry_event
    where community_id = ${filter.communityId} and action = 'SCU'
      ${filter.address === undefined ? db`` : db`and address = ${filter.address}`}
      ${filter.createdAtOrBefore === undefined ? db`` : db`and created_at <= ${filter.createdAtOrBefore}::timestamptz`}
    order by created_at desc, id desc
    limit 1`
  return row
}
