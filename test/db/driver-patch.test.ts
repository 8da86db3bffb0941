import type postgres from 'postgres'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { useProxiedDatabase } from '../helpers/tcp-proxy.js'
import { poolUsage, type Sql } from '../../src/db/pool.js'

const proxied = useProxiedDatabase()

// patches/postgres-js.mjs: without it, the first write on a connection whose socket died throws
// from a setImmediate (uncatchable; vitest reports it as an unhandled error and the run fails).
describe('postgres.js connection-loss guards (patches/postgres-js.mjs)', { timeout: 5_000 }, () => {
  it('a write on a connection whose socket died rejects with CONNECTION_CLOSED instead of throwing', async () => {
    await proxied.withPool(async (sql) => {
      const reserved = await sql.reserve()
      expect(await reserved`select 1 as x`).toEqual([{ x: 1 }])
      proxied.proxy.sever()
      await new Promise((resolve) => setTimeout(resolve, 50))
      // Settled, not thrown: CONNECTION_CLOSED from the guard, or ECONNRESET when the socket's error
      // event is still being delivered (a loaded machine).
      await expect(reserved`select 2 as x`).rejects.toMatchObject({
        code: expect.stringMatching(/^(CONNECTION_CLOSED|ECONNRESET)$/),
      })
    })
  })

  it('a reset while a new connection reads its array types fails the waiting query, not the process', async () => {
    await proxied.withPool(async (sql) => {
      // Before the data is forwarded: the reset lands while the pg_type read is in flight.
      proxied.proxy.resetWhenClientSends((data) => data.includes('pg_catalog.pg_type'))
      await expect(sql`select 1 as x`).rejects.toMatchObject({
        code: expect.stringMatching(/^(ECONNRESET|CONNECTION_CLOSED)$/),
      })
      expect(await sql`select 2 as x`).toEqual([{ x: 2 }])
    })
  })

  it('a query issued between a socket error and its close is settled, and the pool recovers', async () => {
    await proxied.withPool(async (sql) => {
      expect(await sql`select 1 as x`).toEqual([{ x: 1 }])
      const pending = Promise.allSettled([sql`select pg_sleep(0.2)`, sql`select 2 as x`, sql`select 3 as x`])
      await new Promise((resolve) => setTimeout(resolve, 20))
      proxied.proxy.sever()
      const outcomes = await pending
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected'])
      // Issued right after the rejections, before the socket's 'close': upstream left it queued on the
      // dead connection forever. It must settle (CONNECTION_CLOSED, or an answer from a new connection).
      const [retry] = await Promise.allSettled([sql`select 4 as x`])
      if (retry.status === 'rejected') expect(retry.reason).toMatchObject({ code: 'CONNECTION_CLOSED' })
      else expect(retry.value).toEqual([{ x: 4 }])
      expect(await sql`select 5 as x`).toEqual([{ x: 5 }])
    })
  })

  const untilClosed = async (sql: Sql) => {
    for (let waited = 0; poolUsage(sql)?.reserved !== 0 && waited < 2_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10))
  }

  it('releasing a reservation whose connection closed leaves the pool whole: the next query gets a new connection', async () => {
    await proxied.withPool(async (sql) => {
      const reserved = await sql.reserve()
      expect(await reserved`select 1 as x`).toEqual([{ x: 1 }])
      proxied.proxy.sever()
      await untilClosed(sql)
      // Upstream put the closed connection back among the idle ones: this query then failed, and the
      // connection sat among the busy ones with nothing to reconnect it (a pool of 1 was dead).
      reserved.release()
      expect(poolUsage(sql)).toMatchObject({ idle: 0, busy: 0, reserved: 0, unopened: 1 })
      expect(await sql`select 2 as x`).toEqual([{ x: 2 }])
      expect(await sql`select 3 as x`).toEqual([{ x: 3 }])
    })
  })

  it('a reservation ends at its connection’s close, even once the pool reconnected that connection for another query', async () => {
    await proxied.withPool(async (sql) => {
      const reserved = await sql.reserve()
      expect(await reserved`select 1 as x`).toEqual([{ x: 1 }])
      proxied.proxy.sever()
      await untilClosed(sql)
      const other = sql`select 2 as x` // reconnects the same connection object
      await expect(reserved`select 3 as x`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' })
      reserved.release() // must not hand the other query's connection to the idle queue
      expect(await other).toEqual([{ x: 2 }])
      const together = await Promise.all([sql`select 4 as x`, sql`select 5 as x`])
      expect(together).toEqual([[{ x: 4 }], [{ x: 5 }]])
    })
  })

  it('a transaction whose connection closed refuses its later statements: none runs, autocommitted, on the reconnected connection', async () => {
    await proxied.withPool(async (sql) => {
      try {
        await sql`create table if not exists stale_transaction_probe (label text)`
        let transaction: postgres.TransactionSql | undefined
        let began: () => void = () => undefined
        const isOpen = new Promise<void>((resolve) => (began = resolve))
        const run = sql.begin(async (tx) => {
          transaction = tx
          await tx`insert into stale_transaction_probe values ('inside')`
          began()
          await new Promise(() => undefined) // the callback is still "running" when the connection dies
        })
        const outcome = run.then(
          () => 'committed',
          (error: { code?: string }) => error.code,
        )
        await isOpen
        proxied.proxy.sever()
        expect(await outcome).toMatch(/^(CONNECTION_CLOSED|ECONNRESET)$/)
        // The pool reconnects the same connection object for another query, which finishes: the
        // connection is idle and healthy when the stale transaction sends its next statement.
        expect(await sql`select 2 as x`).toEqual([{ x: 2 }])
        await expect(transaction!`insert into stale_transaction_probe values ('late')`).rejects.toMatchObject({
          code: 'CONNECTION_CLOSED',
        })
        expect(await sql`select label from stale_transaction_probe`).toEqual([])
      } finally {
        await sql`drop table if exists stale_transaction_probe`.catch(() => undefined)
      }
    })
  })

  it('cancelling a query while the server refuses connections neither throws nor leaves an unhandled rejection', async () => {
    await proxied.withPool(async (sql) => {
      const unhandled: unknown[] = []
      const record = (reason: unknown) => void unhandled.push(reason)
      process.on('unhandledRejection', record)
      try {
        expect(await sql`select 1 as x`).toEqual([{ x: 1 }])
        const sleeping = sql`select pg_sleep(0.3) as slept`.execute()
        await new Promise((resolve) => setTimeout(resolve, 50))
        proxied.proxy.refuse(true) // the CancelRequest goes over a new connection, which is refused
        await sleeping.cancel()
        expect(await sleeping).toEqual([{ slept: '' }])
        await new Promise((resolve) => setTimeout(resolve, 100))
        expect(unhandled).toEqual([])
      } finally {
        proxied.proxy.refuse(false)
        process.off('unhandledRejection', record)
      }
    })
  })
})

// patches/postgres-js.mjs, RESULT_EDITS (issue 16): a result's fields are accessors, not own properties.
describe('postgres.js result fields (patches/postgres-js.mjs)', () => {
  it('count, command, columns, state and statement are set, and a result still equals the plain array of its rows', async () => {
    await proxied.withPool(async (sql) => {
      const result = await sql`select 1 as x union all select 2`
      expect(result).toEqual([{ x: 1 }, { x: 2 }])
      expect(Object.keys(result)).toEqual(['0', '1'])
      expect(result.count).toBe(2)
      expect(result.command).toBe('SELECT')
      expect(result.columns.map((column) => column.name)).toEqual(['x'])
      expect(result.statement.string).toBe('select 1 as x union all select 2')
      expect(result.state).toBeDefined()
      // Array methods give plain arrays (Symbol.species), without the fields.
      expect(result.map((row) => row.x)).toEqual([1, 2])
      const updated = await sql`select 1 where false`
      expect(updated.count).toBe(0)
      expect([...updated]).toEqual([])
    })
  })
})

interface PoolQueue<T> {
  readonly length: number
  push(item: T): T
  shift(): T
  remove(item: T): T | null
}

/** The pool's queue module of the installed postgres.js (not exported by the package). */
async function loadPoolQueue(): Promise<<T>() => PoolQueue<T>> {
  const entry = createRequire(import.meta.url).resolve('postgres')
  const packageDir = entry.slice(0, entry.lastIndexOf('/cjs/'))
  const module = (await import(pathToFileURL(`${packageDir}/src/queue.js`).href)) as { default: <T>() => PoolQueue<T> }
  return module.default
}

// patches/postgres-js.mjs, QUEUE_EDITS (issue 16): upstream, each shift left a slot that only an
// empty queue freed, and the idle queue is never empty while a connection stays idle.
describe('postgres.js pool queues (patches/postgres-js.mjs)', () => {
  it('keep no slot per connection taken: after 600,000 take/return cycles a removal still looks at the live entries only', async () => {
    const Queue = await loadPoolQueue()
    const queue = Queue<{ name: string }>()
    const connections = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name }))
    for (const connection of connections) queue.push(connection)
    // What the idle queue sees under light load: a connection is taken and comes back.
    for (let cycle = 0; cycle < 600_000; cycle++) queue.push(queue.shift())
    const absent = { name: 'absent' }
    const started = performance.now()
    // Upstream: each scans ~600,000 dead slots (seconds in all); patched: five entries.
    let found = 0
    for (let removal = 0; removal < 2_000; removal++) if (queue.remove(absent) !== null) found++
    const elapsed = performance.now() - started
    expect(found).toBe(0)
    // Only the removals are timed (2,000 expect() calls alone took ~100 ms on a loaded machine).
    expect(elapsed).toBeLessThan(100)
    // Still a queue: the same order, removal from the middle, emptied.
    expect(queue.length).toBe(5)
    expect(queue.remove(connections[2]!)).toBe(connections[2])
    expect(Array.from({ length: 4 }, () => queue.shift().name)).toEqual(['a', 'b', 'd', 'e'])
    expect(queue.length).toBe(0)
    queue.push(connections[0]!)
    expect(queue.shift()).toBe(connections[0])
  })
})

// patches/postgres-js.mjs, TYPES_EDITS and SIGNATURE_EDITS (issue 16): the text of a template whose
// arguments are values or fragments is remembered per call site (and per fragment call site).
describe('postgres.js statement texts (patches/postgres-js.mjs)', () => {
  it('one call site answers each call with its own values, and a different fragment in the same place with its own text', async () => {
    await proxied.withPool(async (sql) => {
      const parity = (kind: 'even' | 'odd', max: number) =>
        kind === 'even' ? sql`x % 2 = 0 and x <= ${max}` : sql`x % 2 = 1 and x <= ${max}`
      const select = (min: number, kind: 'even' | 'odd', max: number) =>
        sql<{ x: number }[]>`select x from generate_series(${min}::int, 10) as x where ${parity(kind, max)} order by x`
      const xs = (rows: { x: number }[]) => rows.map((row) => row.x)
      expect(xs(await select(1, 'even', 6))).toEqual([2, 4, 6])
      expect(xs(await select(3, 'even', 8))).toEqual([4, 6, 8])
      expect(xs(await select(1, 'odd', 5))).toEqual([1, 3, 5])
      const again = await select(4, 'even', 4)
      expect(xs(again)).toEqual([4])
      expect(again.statement.string).toBe(
        'select x from generate_series($1::int, 10) as x where x % 2 = 0 and x <= $2 order by x',
      )
      expect((await select(2, 'odd', 9)).statement.string).toContain('where x % 2 = 1 and x <= $2 order by x')
      // The same text with other parameter types is another prepared statement.
      const typed = (value: number | string | null) => sql<{ v: string | null }[]>`select ${value}::text as v`
      expect(await typed(1)).toEqual([{ v: '1' }])
      expect(await typed('one')).toEqual([{ v: 'one' }])
      expect(await typed(null)).toEqual([{ v: null }])
      expect(await typed(2)).toEqual([{ v: '2' }])
    })
  })
})
