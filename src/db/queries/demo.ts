import { currentTimestamp, textArray, type Db } from '../pool.js'

// The few inserts the demo seed needs beyond the shared query modules; rows as Django writes them.

export async function findDemoAccount(
  db: Db,
  ownerAddress: string,
  communityName: string,
): Promise<{ accountId: number; communityId: number } | undefined> {
  const [row] = await db<{ account_id: number; community_id: number }[]>`
    select a.id as account_id, c.id as community_id
    from account_account a join account_community c on c.account_id = a.id
    where a.address = ${ownerAddress} and c.name = ${communityName} and c.deleted_at is null
    order by c.id limit 1`
  return row ? { accountId: row.account_id, communityId: row.community_id } : undefined
}

export async function insertDemoAccount(db: Db, address: string, username: string): Promise<number> {
  // An unusable password ("!" + random), empty names: what the scorer's SIWE login creates (schema §3).
  const [user] = await db<{ id: number }[]>`
    insert into auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
    values (${'!' + username + username.slice(0, 8)}, null, false, ${username}, '', '', '', false, true, ${currentTimestamp()})
    returning id`
  const [account] = await db<
    { id: number }[]
  >`insert into account_account (address, user_id) values (${address}, ${user!.id}) returning id`
  return account!.id
}

export async function insertDemoCommunity(
  db: Db,
  community: { accountId: number; name: string; weights: Readonly<Record<string, number>>; threshold: string },
): Promise<number> {
  const [scorer] = await db<
    { id: number }[]
  >`insert into scorer_weighted_scorer (type, exclude_from_weight_updates) values ('WEIGHTED_BINARY', false) returning id`
  await db`insert into scorer_weighted_binaryweightedscorer (scorer_ptr_id, weights, threshold) values (${scorer!.id}, ${JSON.stringify(community.weights)}::text::jsonb, ${community.threshold})`
  const [row] = await db<{ id: number }[]>`
    insert into account_community (name, description, account_id, scorer_id, created_at, rule, use_case, deleted_at, external_scorer_id, human_points_program)
    values (${community.name}, 'My community', ${community.accountId}, ${scorer!.id}, ${currentTimestamp()}, 'LIFO', null, null, null, true)
    returning id`
  return row!.id
}

/** Expiry (epoch ms) of each live demo stamp by provider. */
export async function listDemoStampExpirations(
  db: Db,
  address: string,
  providers: string[],
): Promise<Map<string, number>> {
  const rows = await db<{ provider: string; expires_ms: number }[]>`
    select provider, (extract(epoch from expiration_date) * 1000)::float8 as expires_ms
    from ceramic_cache_ceramiccache
    where address = ${address} and provider = any(${textArray(db, providers)}::varchar[]) and deleted_at is null and type = 1`
  return new Map(rows.map((row) => [row.provider, row.expires_ms]))
}
