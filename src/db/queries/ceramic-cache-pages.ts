import type { Db } from '../pool.js'

// endpoints §19: the partner API's paginated stamp list. Python orders it by id, newest first, and
// pages with an id cursor, so the order here is the id (not D20's provider order).

export interface CacheStampPageRow {
  id: number
  provider: string
  stamp: unknown
}

export type PageDirection = 'next' | 'prev'

/**
 * One page of live rows (any type, revoked included, as Python's query), newest id first. `next`
 * continues below `cursorId`; `prev` takes the `limit` rows just above it.
 */
export async function listCacheStampPage(
  db: Db,
  address: string,
  cursor: { direction: PageDirection; id: bigint } | undefined,
  limit: number,
): Promise<CacheStampPageRow[]> {
  if (cursor?.direction === 'prev') {
    const rows = await db<CacheStampPageRow[]>`
      select id, provider, stamp from ceramic_cache_ceramiccache
      where address = ${address} and deleted_at is null and id > ${cursor.id.toString()}::bigint
      order by id limit ${limit}`
    return rows.reverse()
  }
  return db<CacheStampPageRow[]>`
    select id, provider, stamp from ceramic_cache_ceramiccache
    where address = ${address} and deleted_at is null
      ${cursor ? db`and id < ${cursor.id.toString()}::bigint` : db``}
    order by id desc limit ${limit}`
}

/** Whether live rows exist below the page's last id and above its first. */
export async function findCacheStampNeighbours(
  db: Db,
  address: string,
  lastId: number,
  firstId: number,
): Promise<{ has_next: boolean; has_prev: boolean }> {
  const [row] = await db<{ has_next: boolean; has_prev: boolean }[]>`
    select
      exists(select 1 from ceramic_cache_ceramiccache where address = ${address} and deleted_at is null and id < ${lastId}) as has_next,
      exists(select 1 from ceramic_cache_ceramiccache where address = ${address} and deleted_at is null and id > ${firstId}) as has_prev`
  return row!
}
