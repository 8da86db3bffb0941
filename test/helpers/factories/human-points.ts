import type { Db, Sql, TransactionSql } from '../../../src/db/pool.js'
import type { CachedStamp } from '../../../src/domain/credentials.js'

// Rows as Django or the indexer write them (schema.md §9, §10): every NOT NULL column supplied.

export interface HumanPointsRow {
  address: string
  action: string
  tx_hash: string
  chain_id: number
  provider: string
  /** The `timestamp` column is set (auto_now_add has no database default). */
  has_timestamp: boolean
}

/** All rows of one address, in insertion order. */
export function listHumanPointsRows(db: Db, address: string): Promise<HumanPointsRow[]> {
  return db<HumanPointsRow[]>`
    select address, action, tx_hash, chain_id, provider, "timestamp" is not null as has_timestamp
    from registry_humanpoints where address = ${address} order by id`
}

export async function listQualifiedCommunityIds(db: Db, address: string): Promise<number[]> {
  const rows = await db<{ community_id: number }[]>`
    select community_id from registry_humanpointscommunityqualifiedusers where address = ${address} order by id`
  return rows.map((row) => row.community_id)
}

export async function insertHumanPoints(
  db: Db,
  address: string,
  action: string,
  options: { txHash?: string; chainId?: number; provider?: string } = {},
): Promise<void> {
  await db`
    insert into registry_humanpoints (address, action, "timestamp", tx_hash, chain_id, provider)
    values (${address}, ${action}, now(), ${options.txHash ?? ''}, ${options.chainId ?? 0}, ${options.provider ?? ''})`
}

export async function insertQualifiedCommunityRow(db: Db, address: string, communityId: number): Promise<void> {
  await db`insert into registry_humanpointscommunityqualifiedusers (address, community_id) values (${address}, ${communityId})`
}

export async function setMultiplier(db: Db, address: string, multiplier: number): Promise<void> {
  await db`insert into registry_humanpointsmultiplier (address, multiplier) values (${address}, ${multiplier})`
}

/** Insert or change one config row (the seed has §15.1's ten). */
export async function setPointsConfig(db: Db, action: string, points: number, active = true): Promise<void> {
  await db`
    insert into registry_humanpointsconfig (action, points, active) values (${action}, ${points}, ${active})
    on conflict (action) do update set points = excluded.points, active = excluded.active`
}

/** Lists are unique by name and shared by a test database: get-or-create the list, then add members. */
export async function addToAddressList(db: Db, name: string, addresses: readonly string[]): Promise<void> {
  await db`insert into account_addresslist (name) values (${name}) on conflict (name) do nothing`
  const [list] = await db<{ id: number }[]>`select id from account_addresslist where name = ${name}`
  if (addresses.length === 0) return
  await db`
    insert into account_addresslistmember (address, list_id)
    select address, ${list!.id} from unnest(${db.array([...addresses])}::text[]) as t(address)
    on conflict do nothing`
}

/** `count` MM2 rows for distinct synthetic addresses, in one statement. */
export async function insertBulkMetaMaskOg2(db: Db, count: number): Promise<void> {
  await db`
    insert into registry_humanpoints (address, action, "timestamp", tx_hash, chain_id, provider)
    select '0xee' || lpad(to_hex(g), 38, '0'), 'MM2', now(), '', 0, ''
    from generate_series(1, ${count}::int) as g`
}

export async function countAction(db: Db, action: string): Promise<number> {
  const [row] = await db<
    { count: number }[]
  >`select count(*) as count from registry_humanpoints where action = ${action}`
  return row!.count
}

/** A kept stamp as LIFO hands it over: the cache `provider` column plus the credential. */
export function keptStamp(provider: string, subject: Record<string, unknown> = {}): CachedStamp {
  return { provider, credential: { credentialSubject: { provider, ...subject } } }
}

class Rollback extends Error {}

/** Runs `fn` in a transaction that is always rolled back: for tests that change shared rows (configs, lists). */
export async function inRolledBackTransaction<T>(sql: Sql, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined
  await sql
    .begin(async (tx) => {
      result = { value: await fn(tx) }
      throw new Rollback()
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error
    })
  return result!.value
}
