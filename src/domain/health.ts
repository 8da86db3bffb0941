import type { Db } from '../db/pool.js'
import { pingDatabase } from '../db/queries/health.js'

/** The database answers a trivial query within `timeoutMs`; rejects otherwise (a frozen server never answers). */
export function checkDatabaseAnswers(db: Db, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([pingDatabase(db), timedOut]).finally(() => clearTimeout(timer))
}
