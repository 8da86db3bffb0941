import { poolUsage, type Sql } from '../db/pool.js'
import { pingDatabase } from '../db/queries/health.js'

/**
 * The database answers a trivial query within `timeoutMs`; rejects otherwise (a frozen server never
 * answers). The timeout's error carries the pool's state (`pool`), which tells a stuck database from
 * connections stuck on our side.
 */
export function checkDatabaseAnswers(sql: Sql, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`the database did not answer within ${timeoutMs} ms`), { pool: poolUsage(sql) }),
        ),
      timeoutMs,
    )
  })
  return Promise.race([pingDatabase(sql), timedOut]).finally(() => clearTimeout(timer))
}
