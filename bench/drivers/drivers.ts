import { createHash } from 'node:crypto'
import pg from 'pg'
import postgresPatched from 'postgres'
import postgresUpstream from 'postgres-upstream'
import { createSql } from '../../src/db/pool.js'

// The driver variants under test, behind one small interface so the fault harness and the replay
// run the same code for each. Every variant uses the service's settings where the service has one
// (pool size from the caller, postgres.js connect_timeout 10 s and idle_timeout 60 s as in
// src/db/pool.ts); pg gets the timeouts postgres.js lacks (see PG_TIMEOUTS).

export const VARIANTS = ['postgresjs-upstream', 'postgresjs-patched', 'postgresjs-tuned', 'pg'] as const
export type Variant = (typeof VARIANTS)[number]

export const VARIANT_LABELS: Record<Variant, string> = {
  'postgresjs-upstream': 'postgres.js 3.4.9 upstream',
  'postgresjs-patched': 'postgres.js 3.4.9 + patches/postgres-js.mjs',
  'postgresjs-tuned': 'the same + backoff ≤ 1 s, fetch_types: false',
  pg: 'pg 8.23.1, pipeline: true',
}

export type Row = Record<string, unknown>

export interface Statement {
  text: string
  params: unknown[]
  /** Type OIDs as postgres.js bound them (0 = left to the server); only postgres.js uses them. */
  types?: number[]
}

/** One connection held by one client, for a replay of a captured sequence. */
export interface HeldConnection {
  query(statement: Statement): Promise<Row[]>
  release(): void
}

export interface Driver {
  /** BEGIN; the statements sent together without awaiting each other (pipelined); COMMIT. */
  transaction(statements: readonly Statement[]): Promise<Row[][]>
  /** A statement outside a transaction, through the pool. */
  query(statement: Statement): Promise<Row[]>
  hold(): Promise<HeldConnection>
  /** 'error' events the driver emitted outside any query (pg only; postgres.js has none). */
  readonly errorEvents: number
  end(): Promise<void>
}

export interface DriverOptions {
  url: string
  max: number
  /** Named (server-side prepared) statements: postgres.js `prepare`, pg's `name`. */
  prepare: boolean
}

/**
 * What pg offers against a frozen server or network: a deadline for getting a connection (also
 * covers waiting for a free pool slot), a client-side deadline per query (in pipeline mode a
 * timed-out query destroys its connection, since the answers behind it can no longer be matched),
 * and the server-side statement_timeout. postgres.js has connect_timeout only: no client-side
 * deadline for a query that was sent.
 */
export const PG_TIMEOUTS = { connectionTimeoutMillis: 5_000, query_timeout: 5_000, statement_timeout: 5_000 }
export const POSTGRESJS_TIMEOUTS = { connect_timeout: 10, idle_timeout: 60 }

/**
 * postgres.js waits before reconnecting: (0.5–1) × min(3^retries / 100, 20) s, where `retries`
 * counts every connection closed with an error, shared by the whole pool, and is reset only when a
 * connection becomes ready. A crash closes every pooled connection and each refused attempt adds
 * one, so after a short outage the next attempts wait 7–20 s while the database is long back, and
 * the queries queued on those connections wait with them. The same formula capped at 1 s:
 */
export const CAPPED_BACKOFF = (retries: number): number => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1)

/**
 * What the service could set without touching the driver: the capped backoff, and no pg_type query
 * on each new connection (fetch_types), whose failure 3.4.9 turns into an unhandled rejection that
 * ends the process (porsager/postgres#1192, #1223; see startup-probe.ts). Without it, array
 * *results* arrive as text ('{1,2}'); array parameters are unaffected where the type is named, as
 * src/db/pool.ts does for every one.
 */
export const TUNED_POSTGRESJS = { backoff: CAPPED_BACKOFF, fetch_types: false }

export function openDriver(variant: Variant, options: DriverOptions): Driver {
  return variant === 'pg' ? openPg(options) : openPostgresJs(variant, options)
}

// ---- postgres.js -------------------------------------------------------------------------------

type PostgresJs = typeof postgresPatched

function openPostgresJs(variant: Exclude<Variant, 'pg'>, options: DriverOptions): Driver {
  // The patched variant is the service's own pool (src/db/pool.ts: same options and type parsers).
  const settings = {
    max: options.max,
    prepare: options.prepare,
    connection: { TimeZone: 'UTC', application_name: 'passport-scorer-ts' },
    onnotice: () => {},
    ...POSTGRESJS_TIMEOUTS,
  }
  const sql =
    variant === 'postgresjs-patched'
      ? createSql({ url: options.url, max: options.max, prepare: options.prepare })
      : variant === 'postgresjs-tuned'
        ? postgresPatched(options.url, { ...settings, ...TUNED_POSTGRESJS })
        : (postgresUpstream as unknown as PostgresJs)(options.url, settings)
  type Runner = Pick<typeof sql, 'unsafe' | 'typed'>
  const bind = (runner: Runner, statement: Statement): never[] =>
    statement.params.map((value, i) => {
      const type = statement.types?.[i] ?? 0
      return (type === 0 || value === null ? value : runner.typed(value as never, type)) as never
    })
  const run = (runner: Runner, statement: Statement) =>
    runner.unsafe(statement.text, bind(runner, statement), {
      prepare: options.prepare && statement.params.length > 0,
    }) as unknown as Promise<Row[]>
  return {
    async transaction(statements) {
      return (await sql.begin((tx) => Promise.all(statements.map((statement) => run(tx, statement))))) as Row[][]
    },
    query: (statement) => run(sql, statement),
    async hold() {
      const reserved = await sql.reserve()
      return { query: (statement) => run(reserved, statement), release: () => reserved.release() }
    },
    errorEvents: 0,
    end: () => sql.end({ timeout: 2 }),
  }
}

// ---- pg ----------------------------------------------------------------------------------------

// As the service reads values (src/db/pool.ts): int8 → number, numeric and timestamps → the
// server's text. pg's defaults already keep numeric as text.
const KEEP_TEXT = new Set([1114, 1184, 1082])
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (text: string) => Number(text)
    if (KEEP_TEXT.has(oid)) return (text: string) => text
    return pg.types.getTypeParser(oid, format as 'text')
  },
} as pg.CustomTypesConfig

const statementName = (text: string): string => `s${createHash('sha1').update(text).digest('hex').slice(0, 20)}`

function openPg(options: DriverOptions): Driver {
  let errorEvents = 0
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    pipeline: true,
    types: pgTypes,
    application_name: 'passport-scorer-ts',
    options: '-c TimeZone=UTC',
    idleTimeoutMillis: 60_000,
    ...PG_TIMEOUTS,
  })
  // What a correct pg application must have: an idle client whose connection dies emits 'error' on
  // the pool, and a checked-out client emits 'error' when its connection dies between queries.
  // Without these listeners either one ends the process.
  pool.on('error', () => void errorEvents++)
  pool.on('connect', (client) => client.on('error', () => void errorEvents++))
  const config = (statement: Statement): pg.QueryConfig => ({
    text: statement.text,
    values: statement.params,
    ...(options.prepare && statement.params.length > 0 ? { name: statementName(statement.text) } : {}),
  })
  const run = async (client: pg.PoolClient | pg.Pool, statement: Statement): Promise<Row[]> =>
    (await client.query(config(statement))).rows as Row[]
  return {
    async transaction(statements) {
      const client = await pool.connect()
      try {
        await client.query('begin')
        const results = await Promise.all(statements.map((statement) => run(client, statement)))
        await client.query('commit')
        client.release()
        return results
      } catch (error) {
        // Discarded, never reused: a released client with an error is closed by the pool (pg-pool
        // also drops a client that is no longer queryable, but only when told at release).
        client.release(error instanceof Error ? error : new Error(String(error)))
        throw error
      }
    },
    query: (statement) => run(pool, statement),
    async hold() {
      const client = await pool.connect()
      return { query: (statement) => run(client, statement), release: () => client.release() }
    },
    get errorEvents() {
      return errorEvents
    },
    end: () => pool.end(),
  }
}

/** A short, stable name for an error: its SQLSTATE or Node code, else its message's start. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && code !== '') return code
    if (typeof message === 'string') return message.replace(/\s+/g, ' ').slice(0, 60)
  }
  return String(error).slice(0, 60)
}
