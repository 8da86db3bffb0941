import { intArray, textArray, type Db } from '../pool.js'

// registry_humanpoints* and the address lists they read (schema.md §9, §10). Addresses arrive
// lower-case, as EthAddressField stores them. `timestamp` has no database default (Django's
// auto_now_add), so every insert supplies clock_timestamp(), the time of the write itself.

export interface NewHumanPointsRow {
  action: string
  txHash: string
  chainId: number
  provider: string
}

/** Django `get_or_create(address, community)`: the (address, community_id) pair is unique. */
export async function insertQualifiedCommunity(db: Db, address: string, communityId: number): Promise<void> {
  await db`
    insert into registry_humanpointscommunityqualifiedusers (address, community_id)
    values (${address}, ${communityId})
    on conflict (address, community_id) do nothing`
}

export async function countQualifiedCommunities(db: Db, address: string): Promise<number> {
  const [row] = await db<{ count: number }[]>`
    select count(*) as count from registry_humanpointscommunityqualifiedusers where address = ${address}`
  return row?.count ?? 0
}

export async function hasQualifiedCommunity(db: Db, address: string): Promise<boolean> {
  const [row] = await db<{ exists: boolean }[]>`
    select exists (select 1 from registry_humanpointscommunityqualifiedusers where address = ${address}) as exists`
  return row?.exists ?? false
}

/** The providers among `providers` that already hold an HKY row for the address (scoring §6.2 step 2). */
export async function listHumanKeyProviders(
  db: Db,
  address: string,
  providers: readonly string[],
): Promise<Set<string>> {
  if (providers.length === 0) return new Set()
  const rows = await db<{ provider: string }[]>`
    select distinct provider from registry_humanpoints
    where address = ${address} and action = 'HKY' and provider = any(${textArray(db, [...providers])}::text[])`
  return new Set(rows.map((row) => row.provider))
}

/**
 * Django `bulk_create(ignore_conflicts=True)`: one multi-row INSERT in the given order; a row that
 * clashes with `unique_human_points_constraint` (or with an earlier row of the same batch) is skipped.
 */
export async function insertHumanPointsIgnoringConflicts(
  db: Db,
  address: string,
  rows: readonly NewHumanPointsRow[],
): Promise<void> {
  if (rows.length === 0) return
  await db`
    insert into registry_humanpoints (address, action, "timestamp", tx_hash, chain_id, provider)
    select ${address}, action, clock_timestamp(), tx_hash, chain_id, provider
    from unnest(${textArray(
      db,
      rows.map((r) => r.action),
    )}::text[], ${textArray(
      db,
      rows.map((r) => r.txHash),
    )}::text[],
                ${intArray(
                  db,
                  rows.map((r) => r.chainId),
                )}::int[], ${textArray(
                  db,
                  rows.map((r) => r.provider),
                )}::text[])
      with ordinality as t(action, tx_hash, chain_id, provider, position)
    order by position
    on conflict do nothing`
}

export async function hasHumanPointsAction(db: Db, address: string, action: string): Promise<boolean> {
  const [row] = await db<{ exists: boolean }[]>`
    select exists (select 1 from registry_humanpoints where address = ${address} and action = ${action}) as exists`
  return row?.exists ?? false
}

/**
 * Django `get_or_create(address=…, action=…)`: an existing row of that action matches whatever its
 * chain, provider and tx_hash; a new one gets '' / 0 / ''. A concurrent insert of the same row
 * lands on the unique constraint and is skipped, as get_or_create's retry-on-IntegrityError would.
 */
export async function insertHumanPointsActionIfAbsent(db: Db, address: string, action: string): Promise<void> {
  await db`
    insert into registry_humanpoints (address, action, "timestamp", tx_hash, chain_id, provider)
    select ${address}, ${action}, clock_timestamp(), '', 0, ''
    where not exists (select 1 from registry_humanpoints where address = ${address} and action = ${action})
    on conflict do nothing`
}

/** Every row of the action, all addresses: the MM2 cap is global (scoring §6.2 step 4). */
export async function countHumanPointsAction(db: Db, action: string): Promise<number> {
  const [row] = await db<
    { count: number }[]
  >`select count(*) as count from registry_humanpoints where action = ${action}`
  return row?.count ?? 0
}

/**
 * Transaction-scoped advisory lock: waits for the holder's transaction to end and is released at
 * this transaction's end (commit or rollback), never explicitly.
 */
export async function lockTransactionAdvisory(db: Db, key: bigint): Promise<void> {
  await db`select pg_advisory_xact_lock(${key.toString()}::bigint)`
}

/**
 * A missing list and an address that is not on it read the same: false (Python catches
 * `AddressList.DoesNotExist` and skips). List names compare exactly, members lower-case.
 */
export async function isOnAddressList(db: Db, listName: string, address: string): Promise<boolean> {
  const [row] = await db<{ exists: boolean }[]>`
    select exists (
      select 1 from account_addresslistmember m join account_addresslist l on l.id = m.list_id
      where l.name = ${listName} and m.address = ${address}) as exists`
  return row?.exists ?? false
}

interface PointsGroupRow {
  action: string
  chain_id: number
  /** SUM(integer) is bigint, parsed to number by the pool. */
  action_points: number
  multiplier: number
}

/**
 * `get_user_points_data`'s query, verbatim in meaning (scoring §6.4): INNER JOIN on the active
 * config (actions without one are ignored), HIM excluded. parity: no ORDER BY, as Python's raw
 * SQL; the breakdown's key order follows the rows.
 */
export function listPointsGroups(db: Db, address: string): Promise<PointsGroupRow[]> {
  return db<PointsGroupRow[]>`
    select hp.address, hp.action, hp.chain_id,
           sum(hpc.points) as action_points,
           max(coalesce(hpm.multiplier, 1)) as multiplier
    from registry_humanpoints hp
    inner join registry_humanpointsconfig hpc on hp.action = hpc.action and hpc.active = true
    left join registry_humanpointsmultiplier hpm on hp.address = hpm.address
    where hp.address = ${address} and hp.action != 'HIM'
    group by hp.address, hp.action, hp.chain_id`
}

interface HumanPointsConfigRow {
  action: string
  points: number
  active: boolean
}

/** `HumanPointsConfig.objects.all()`: every row, unordered as the ORM's query; callers filter `active`. */
export function listHumanPointsConfigs(db: Db): Promise<HumanPointsConfigRow[]> {
  return db<HumanPointsConfigRow[]>`select action, points, active from registry_humanpointsconfig`
}
