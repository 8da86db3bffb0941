import type postgres from 'postgres'
import { fromDriver } from './errors.js'
import { POOL_TIMEOUTS, type Db, type Sql } from './pool.js'
import { DeadlineExceededError, PoolTimeoutError } from './transaction.js'

/** The transaction's statements failed or the server rolled it back: nothing was committed. */
export class PipelineRolledBackError extends Error {
  constructor(cause: unknown) {
    super('the pipelined transaction was rolled back', { cause })
    this.name = 'PipelineRolledBackError'
  }
}

interface PipelineOptions {
  /** Aborted when the request's deadline passes: statements still running are cancelled, so nothing commits. */
  deadline?: AbortSignal
}

/**
 * Reads that need no answer from each other, sent together on one pooled connection (one round
 * trip, one socket write). Same contract for `statements` as `commitTogether`.
 */
export async function readTogether<T extends readonly unknown[]>(
  sql: Sql,
  statements: (db: Db) => { [K in keyof T]: Promise<T[K]> },
  options: PipelineOptions = {},
): Promise<T> {
  const connection = await reserveConnection(sql, options.deadline)
  try {
    const settled = await Promise.allSettled(statements(connection))
    const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (failed) throw failed.reason
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T
  } finally {
    connection.release()
  }
}

/** A pooled connection of its own, waiting at most the pool's `poolTimeoutMs` and until the deadline. */
function reserveConnection(sql: Sql, deadline: AbortSignal | undefined): Promise<postgres.ReservedSql> {
  if (deadline?.aborted) return Promise.reject(new DeadlineExceededError())
  const poolTimeoutMs = POOL_TIMEOUTS.get(sql)
  return new Promise((resolve, reject) => {
    let isSettled = false
    const giveUp = (error: Error) => {
      if (isSettled) return
      isSettled = true
      cleanUp()
      reject(error)
    }
    const timer =
      poolTimeoutMs === undefined
        ? undefined
        : setTimeout(() => giveUp(new PoolTimeoutError(poolTimeoutMs)), poolTimeoutMs)
    const onDeadline = () => giveUp(new DeadlineExceededError())
    const cleanUp = () => {
      clearTimeout(timer)
      deadline?.removeEventListener('abort', onDeadline)
    }
    deadline?.addEventListener('abort', onDeadline, { once: true })
    sql.reserve().then(
      (connection) => {
        // A connection that arrives after the caller gave up goes straight back to the pool.
        if (isSettled) return connection.release()
        isSettled = true
        cleanUp()
        resolve(connection)
      },
      (error: unknown) => giveUp(fromDriver(error instanceof Error ? error : new Error(String(error))) as Error),
    )
  })
}

/**
 * BEGIN, the statements and COMMIT sent together on one connection: one round trip for a whole
 * transaction whose statements need no answer from each other. `statements` must send every query
 * while it runs, on the `Db` it is given — a query function that awaits its query does; a bare
 * query must be `.execute()`d — so postgres.js pipelines them in that order. A
 * failing statement aborts the transaction; the COMMIT behind it is then answered ROLLBACK and
 * this rejects with PipelineRolledBackError. Returns the statements' results in order.
 */
export async function commitTogether<T extends readonly unknown[]>(
  sql: Sql,
  statements: (db: Db) => { [K in keyof T]: Promise<T[K]> },
  options: PipelineOptions = {},
): Promise<T> {
  const { deadline } = options
  const connection = await reserveConnection(sql, deadline)
  // Query objects can be cancelled; a query function's own promise (an async wrapper) cannot.
  const sent: { cancel?: () => void }[] = []
  const track = <Q>(query: Q): Q => {
    sent.push(query as { cancel?: () => void })
    return query
  }
  const onDeadline = () => {
    for (const query of sent) query.cancel?.()
  }
  try {
    // execute(): a query is otherwise sent only when awaited, and the order of sending is the order
    // of the transaction.
    const begin = track(connection`begin`.execute())
    let results: Promise<unknown>[]
    try {
      results = statements(connection).map((query) => track(query))
    } catch (error) {
      await Promise.allSettled([begin, connection`rollback`.execute()])
      throw error
    }
    // A query function's `await query` sends its query a few microtasks later than a bare
    // `.execute()`: COMMIT waits for the next turn of the event loop, after everything the
    // statements sent, so it is always last on the wire (still without waiting for an answer).
    await new Promise((resolve) => setImmediate(resolve))
    const commit = track(connection`commit`.execute())
    deadline?.addEventListener('abort', onDeadline, { once: true })
    const settled = await Promise.allSettled([begin, ...results, commit])
    const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (failed) {
      // The COMMIT may itself have failed (connection lost): make sure no transaction stays open.
      if (settled.at(-1)!.status === 'rejected') await connection`rollback`.catch(() => undefined)
      if (deadline?.aborted) throw new DeadlineExceededError()
      throw new PipelineRolledBackError(failed.reason)
    }
    const committed = (settled.at(-1) as PromiseFulfilledResult<postgres.RowList<postgres.Row[]>>).value
    if (committed.command !== 'COMMIT') throw new PipelineRolledBackError(committed.command)
    return settled.slice(1, -1).map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T
  } finally {
    deadline?.removeEventListener('abort', onDeadline)
    connection.release()
  }
}
