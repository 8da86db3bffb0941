import type postgres from 'postgres'
import { fromDriver, isStalePreparedStatement } from './errors.js'
import { poolUsage, sendWithOneSync, type Db, type Sql } from './pool.js'
import { boundConnectionWait, DeadlineExceededError, type Deadline } from './transaction.js'

/** The transaction's statements failed or the server rolled it back: nothing was committed. */
export class PipelineRolledBackError extends Error {
  constructor(cause: unknown) {
    super('the pipelined transaction was rolled back', { cause })
    this.name = 'PipelineRolledBackError'
  }
}

interface PipelineOptions {
  /**
   * Aborted when the request's deadline passes: no connection is taken after it, and a transaction
   * whose COMMIT was not sent yet rolls back. Statements already sent are not cancelled: a
   * CancelRequest reaches whatever the backend runs when it arrives, maybe another request's
   * statement once the connection went back to the pool; statement_timeout bounds them instead.
   */
  deadline?: Deadline
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
  sendWithOneSync(connection)
  try {
    return await allOrFirstFailure(statements(connection))
  } catch (error) {
    if (!isStalePreparedStatement(error)) throw error
    // A schema change made a prepared read stale, and its one-Sync group skipped the others: the
    // reads go again, each with its own Sync, so the driver prepares the stale statement afresh.
    sendWithOneSync(connection, false)
    return await allOrFirstFailure(statements(connection))
  } finally {
    connection.release()
  }
}

/** Every promise's value in order, once all settled; the first rejection in order otherwise. */
async function allOrFirstFailure<T extends readonly unknown[]>(queries: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(queries)
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T
}

/** A failed `sql.reserve()`, marked as the driver's own (no query was sent). */
function reserveFailed(error: unknown): never {
  throw fromDriver(error instanceof Error ? error : new Error(String(error)))
}

/** A pooled connection of its own, waiting at most the pool's `poolTimeoutMs` and until the deadline. */
function reserveConnection(sql: Sql, deadline: Deadline | undefined): Promise<postgres.ReservedSql> {
  if (deadline?.aborted) return Promise.reject(new DeadlineExceededError())
  // An idle connection is handed over at once (postgres.js takes it before its first await): there
  // is no wait to bound, so no timer, listener and race for it (two per warm rescore, issue 16).
  if ((poolUsage(sql)?.idle ?? 0) > 0) return sql.reserve().catch(reserveFailed)
  const wait = boundConnectionWait(sql, deadline)
  const reserved = sql.reserve().then(
    (connection) => {
      // A connection that arrives after the caller gave up goes straight back to the pool.
      if (!wait.stop()) connection.release()
      return connection
    },
    (error: unknown) => {
      wait.stop()
      return reserveFailed(error)
    },
  )
  // Settles after the race is lost too; nobody awaits it then.
  reserved.catch(() => undefined)
  return Promise.race([reserved, wait.gaveUp])
}

/**
 * BEGIN, the statements and COMMIT sent together on one connection: one round trip for a whole
 * transaction whose statements need no answer from each other. `statements` must send every query
 * while it runs, on the `Db` it is given — a query function that awaits its query does; a bare
 * query must be `.execute()`d — so postgres.js pipelines them in that order. A failing statement
 * aborts the transaction (the COMMIT behind it is answered ROLLBACK); one that failed before COMMIT
 * was sent, or a deadline passed by then, gets ROLLBACK sent instead: this rejects with
 * PipelineRolledBackError, nothing committed. When COMMIT succeeded but a statement's own handling
 * of its answer failed, that failure is thrown as it is: the rows are committed, so the caller must
 * not take it for a rollback. Returns the statements' results in order.
 */
export async function commitTogether<T extends readonly unknown[]>(
  sql: Sql,
  statements: (db: Db) => { [K in keyof T]: Promise<T[K]> },
  options: PipelineOptions = {},
): Promise<T> {
  const { deadline } = options
  const connection = await reserveConnection(sql, deadline)
  // One answer for BEGIN … COMMIT. A failure skips the rest and COMMIT (rejected with its error), so
  // the transaction is left aborted and gets the ROLLBACK below.
  sendWithOneSync(connection)
  let failedBeforeCommit = false
  // Awaited only after COMMIT is sent, a loop turn later: a connection lost meanwhile rejects them
  // first, and a rejection without a handler by then ends the process. Handled from the start; the
  // outcome is still read from each promise below.
  const track = <Q>(query: Q): Q => {
    ;(query as Promise<unknown>).catch(() => {
      failedBeforeCommit = true
    })
    return query
  }
  // The end of this loop turn, scheduled before anything is written: the driver flushes what a turn
  // wrote in an immediate queued by the first write, so COMMIT, queued from ours, joins BEGIN and the
  // statements in one socket write.
  const turnEnd = new Promise((resolve) => setImmediate(resolve))
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
    // `.execute()`: COMMIT waits for the end of the turn, after everything the statements sent, so
    // it is always last on the wire (still without waiting for an answer).
    await turnEnd
    const abandon = failedBeforeCommit || deadline?.aborted === true
    const end = abandon ? connection`rollback`.execute() : connection`commit`.execute()
    end.catch(() => undefined)
    const settled = await Promise.allSettled([begin, ...results, end])
    const ended = settled.at(-1) as PromiseSettledResult<postgres.RowList<postgres.Row[]>>
    const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (ended.status === 'fulfilled' && ended.value.command === 'COMMIT') {
      if (failed) throw failed.reason
      return settled.slice(1, -1).map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T
    }
    // The COMMIT may itself have failed (connection lost): make sure no transaction stays open.
    if (ended.status === 'rejected') await connection`rollback`.catch(() => undefined)
    if (deadline?.aborted) throw new DeadlineExceededError()
    throw new PipelineRolledBackError(
      failed?.reason ?? (ended.status === 'fulfilled' ? ended.value.command : undefined),
    )
  } finally {
    connection.release()
  }
}
