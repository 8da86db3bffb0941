import postgres from 'postgres'

// Database errors are classified by SQLSTATE, never by message text (style §3).

function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505'

/**
 * A one-Sync group failed only because one of its prepared statements went stale (the schema
 * changed under its plan, or the server forgot it): sent again without grouping, the driver prepares
 * it afresh. postgres.js retries such statements itself outside a group; inside one it marks the
 * error instead, by its own list of routines (patches/postgres-js.mjs, ONE_SYNC_EDITS).
 */
export function isStalePreparedStatement(error: unknown): boolean {
  return error instanceof postgres.PostgresError && (error as { staleInGroup?: boolean }).staleInGroup === true
}

// Raised by the driver (postgres.js) or by src/db/transaction.ts, never by anything else.
const DRIVER_UNAVAILABLE_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'POOL_TIMEOUT',
  'DEADLINE_EXCEEDED',
])
// Socket errors: the database's only when the driver passed them on (see `isFromDriver`); the same
// codes also describe a client that went away, which is not an outage.
const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])

// Errors the driver raised outside any query (reserving a connection), marked by `fromDriver`.
const RAISED_BY_DRIVER = new WeakSet<object>()

/** Marks an error the driver raised without a query (a failed `sql.reserve()`): see `isFromDriver`. */
export function fromDriver(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) RAISED_BY_DRIVER.add(error)
  return error
}

// postgres.js attaches the failed query's text to every error it rejects a query with.
function isFromDriver(error: object): boolean {
  return RAISED_BY_DRIVER.has(error) || Object.prototype.hasOwnProperty.call(error, 'query')
}

/**
 * The database cannot be reached, or did not answer in time (as opposed to a query that failed):
 * answered with 503. 08xxx connection exceptions, 57P0x shutdown / cannot connect now, 57014 a
 * statement cut by statement_timeout, 53300 too many connections, and the start-up refusals.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof postgres.PostgresError) {
    const state = error.code
    return (
      state.startsWith('08') ||
      state.startsWith('57P0') ||
      state === '57014' ||
      state === '53300' ||
      state === '3D000' ||
      state === '28P01' ||
      state === '28000'
    )
  }
  const code = sqlState(error)
  if (code === undefined) return false
  if (DRIVER_UNAVAILABLE_CODES.has(code)) return true
  return SOCKET_ERROR_CODES.has(code) && isFromDriver(error as object)
}

// One line for a failure to reach the database at start, instead of a stack dump (issue 2).
export function describeConnectionError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, message, address, port } = error as {
      code?: string
      message?: string
      address?: string
      port?: number
    }
    switch (code) {
      case 'ECONNREFUSED':
        return `cannot connect to the database at ${address ?? '?'}:${port ?? '?'} (connection refused) — check DATABASE_URL and that PostgreSQL is running`
      case 'ENOENT':
        return `no PostgreSQL socket at ${address ?? '?'} — check the socket directory and port in DATABASE_URL and that PostgreSQL is running`
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot resolve the database host (${message ?? code}) — check DATABASE_URL`
      case 'CONNECT_TIMEOUT':
      case 'ETIMEDOUT':
        return 'timed out connecting to the database — check DATABASE_URL and the network'
      case '28P01':
      case '28000':
        return `the database rejected the credentials: ${message ?? code} — check DATABASE_URL`
      case '3D000':
        return `${message ?? 'the database does not exist'} — check the database name in DATABASE_URL`
    }
    if (message) return code ? `${message} (${code})` : message
  }
  return String(error)
}
