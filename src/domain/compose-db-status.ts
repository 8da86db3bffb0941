import { currentTimestamp, type Sql } from '../db/pool.js'
import { listPendingComposeDbRows, updateComposeDbStatus } from '../db/queries/compose-db-status.js'
import { inTransaction, type Deadline } from '../db/transaction.js'
import { DomainError } from './errors.js'

// endpoints §5.9: the Passport app reports which cached stamps it saved to ComposeDB.

const MAX_BULK_CACHE_SIZE = 100

export interface ComposeDbStatusUpdate {
  id: number
  status: 'pending' | 'saved' | 'failed'
  streamId: string | null | undefined
}

/** handle_update_compose_db_status; answers the ids of the rows it updated. */
export async function updateComposeDbStatuses(
  sql: Sql,
  address: string,
  updates: readonly ComposeDbStatusUpdate[],
  deadline?: Deadline,
): Promise<number[]> {
  if (updates.length > MAX_BULK_CACHE_SIZE)
    throw new DomainError('unprocessable', 'You have submitted too many stamps.')
  const now = currentTimestamp()
  return inTransaction(
    sql,
    async (tx) => {
      const ids = await listPendingComposeDbRows(
        tx,
        address.toLowerCase(),
        updates.map((update) => update.id),
      )
      for (const id of ids) {
        // The first entry naming the row decides, as Python pops the first match.
        const update = updates.find((candidate) => candidate.id === id)!
        await updateComposeDbStatus(tx, {
          id,
          status: update.status,
          streamId: update.streamId ? update.streamId : undefined,
          updatedAt: now,
        })
      }
      return ids
    },
    { deadline },
  )
}
