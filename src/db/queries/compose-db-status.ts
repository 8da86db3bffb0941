import { bigintArray, type Db } from '../pool.js'

// ceramic_cache_ceramiccache's compose-db columns (endpoints §5.9).

export interface PendingStampRow {
  id: number
}

/** The caller's live, pending type-1 rows among `ids`, by id (Python's queryset has no order). */
export async function listPendingComposeDbRows(db: Db, address: string, ids: readonly number[]): Promise<number[]> {
  const rows = await db<PendingStampRow[]>`
    select id from ceramic_cache_ceramiccache
    where address = ${address} and id = any(${bigintArray(db, ids)}) and deleted_at is null
      and compose_db_save_status = 'pending' and type = 1
    order by id
    for update`
  return rows.map((row) => Number(row.id))
}

export async function updateComposeDbStatus(
  db: Db,
  update: { id: number; status: string; streamId: string | undefined; updatedAt: string },
): Promise<void> {
  await db`
    update ceramic_cache_ceramiccache
    set updated_at = ${update.updatedAt}, compose_db_save_status = ${update.status},
        compose_db_stream_id = coalesce(${update.streamId ?? null}::varchar, compose_db_stream_id)
    where id = ${update.id}`
}
