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

/**
 * A request's deadline as the database code watches it. An AbortSignal is one; each request gets a
 * lighter one of its own (src/api/request-lifecycle.ts: no EventTarget per request, issue 16).
 */
export interface Deadline {
  readonly aborted: boolean
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

interface TransactionOptions {
  /** Aborted when the request's deadline passes (the caller was answered 503): never commit after it. */
  deadline?: Deadline
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
  const wait = boundConnectionWait(sql, deadline)
  const run = sql.begin(async (tx) => {
    if (!wait.stop()) throw new DeadlineExceededError()
    const result = await work(tx)
    if (deadline?.aborted) throw new DeadlineExceededError()
    return result
  }) as Promise<T>
  // An abandoned run still settles later (rolled back); nobody awaits it any more.
  run.catch(() => undefined)
  return Promise.race([run, wait.gaveUp]).finally(wait.stop)
}

interface ConnectionWait {
  /** Rejects with PoolTimeoutError or DeadlineExceededError when a bound passes first. */
  gaveUp: Promise<never>
  /** Ends the wait; false when it had already given up (the connection came too late). */
  stop(): boolean
}

/** Waiting for a pooled connection, bounded by the pool's `poolTimeoutMs` and by the deadline. */
export function boundConnectionWait(sql: Sql, deadline: Deadline | undefined): ConnectionWait {
  const poolTimeoutMs = POOL_TIMEOUTS.get(sql)
  let state: 'waiting' | 'stopped' | 'gave up' = 'waiting'
  let reject: (error: Error) => void = () => {}
  const gaveUp = new Promise<never>((_resolve, rejectWait) => (reject = rejectWait))
  const end = (next: 'stopped' | 'gave up') => {
    if (state !== 'waiting') return false
    state = next
    clearTimeout(timer)
    deadline?.removeEventListener('abort', onDeadline)
    return true
  }
  const giveUp = (error: Error) => end('gave up') && reject(error)
  const timer =
    poolTimeoutMs === undefined
      ? undefined
      : setTimeout(() => giveUp(new PoolTimeoutError(poolTimeoutMs)), poolTimeoutMs)
  const onDeadline = () => giveUp(new DeadlineExceededError())
  deadline?.addEventListener('abort', onDeadline, { once: true })
  return { gaveUp, stop: () => end('stopped') || state === 'stopped' }
}
