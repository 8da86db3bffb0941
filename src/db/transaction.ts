import { POOL_TIMEOUTS, type Sql, type TransactionSql } from './pool.js'

/** No pooled connection became free within the pool's `poolTimeoutMs`: the database is saturated or away. */
export class PoolTimeoutError extends Error {
  readonly code = 'POOL_TIMEOUT'
  constructor(waitedMs: number) {
    super(`no database connection became free within ${waitedMs} ms`)
    this.name = 'PoolTimeoutError'
  }
}

/** The request's deadline passed before the transaction could commit: it was rolled back. */
export class DeadlineExceededError extends Error {
  readonly code = 'DEADLINE_EXCEEDED'
  constructor() {
    super('the request deadline passed; the transaction was rolled back')
    this.name = 'DeadlineExceededError'
  }
}

interface TransactionOptions {
  /** Aborted when the request's deadline passes (the caller was answered 503): never commit after it. */
  deadline?: AbortSignal
}

/**
 * `sql.begin` with the two bounds postgres.js lacks. Waiting for a connection is bounded by the
 * pool's `poolTimeoutMs` and by the deadline; a BEGIN that reaches a connection after its caller
 * gave up rolls back at once. A transaction whose deadline passed while it ran rolls back instead
 * of committing, so a request answered 503 leaves nothing behind.
 */
export function inTransaction<T>(
  sql: Sql,
  work: (tx: TransactionSql) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const { deadline } = options
  if (deadline?.aborted) return Promise.reject(new DeadlineExceededError())
  const poolTimeoutMs = POOL_TIMEOUTS.get(sql)
  let isStarted = false
  let isAbandoned = false
  let giveUp: (error: Error) => void = () => {}
  const waiting = new Promise<never>((_resolve, reject) => {
    giveUp = (error) => {
      if (isStarted || isAbandoned) return
      isAbandoned = true
      reject(error)
    }
  })
  const timer =
    poolTimeoutMs === undefined
      ? undefined
      : setTimeout(() => giveUp(new PoolTimeoutError(poolTimeoutMs)), poolTimeoutMs)
  const onDeadline = () => giveUp(new DeadlineExceededError())
  deadline?.addEventListener('abort', onDeadline, { once: true })

  const run = sql.begin(async (tx) => {
    isStarted = true
    clearTimeout(timer)
    if (isAbandoned) throw new DeadlineExceededError()
    const result = await work(tx)
    if (deadline?.aborted) throw new DeadlineExceededError()
    return result
  }) as Promise<T>
  // An abandoned run still settles later (rolled back); nobody awaits it any more.
  run.catch(() => undefined)
  return Promise.race([run, waiting]).finally(() => {
    clearTimeout(timer)
    deadline?.removeEventListener('abort', onDeadline)
  })
}
