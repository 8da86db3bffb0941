import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useTestDatabase } from '../helpers/database.js'
import { createSql, type Sql } from '../../src/db/pool.js'
import { DeadlineExceededError, inTransaction, PoolTimeoutError } from '../../src/db/transaction.js'
import { isDatabaseUnavailable } from '../../src/db/errors.js'
import { RequestDeadline } from '../../src/api/request-lifecycle.js'

const database = useTestDatabase()
let sql: Sql

beforeAll(async () => {
  // One connection, so a transaction holding it makes the next one wait for the pool (and the
  // embedded database serves one connection only).
  sql = createSql({ url: database.url, max: 1, prepare: true, poolTimeoutMs: 200, statementTimeoutMs: 300 })
  await sql`create table transaction_probe (label text not null)`
})
afterAll(async () => {
  await sql?.end({ timeout: 1 })
})

async function labels(): Promise<string[]> {
  return (await sql<{ label: string }[]>`select label from transaction_probe order by label`).map((row) => row.label)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A transaction holding the pool's only connection until `release` is called. */
async function holdTheOnlyConnection(): Promise<{ holding: Promise<void>; release: () => void }> {
  let release: () => void = () => {}
  const holding = inTransaction(sql, async (tx) => {
    await tx`select 1`
    await new Promise<void>((resolve) => (release = resolve))
  })
  await sleep(20)
  return { holding, release: () => release() }
}

describe('inTransaction (src/db/transaction.ts)', () => {
  it('commits what the work wrote and returns its result', async () => {
    const result = await inTransaction(sql, async (tx) => {
      await tx`insert into transaction_probe (label) values ('committed')`
      return 42
    })
    expect(result).toBe(42)
    expect(await labels()).toContain('committed')
  })

  it('waiting longer than poolTimeoutMs for a connection → PoolTimeoutError (a 503); the late BEGIN then rolls back at once', async () => {
    const { holding, release } = await holdTheOnlyConnection()
    const startedAt = performance.now()
    let waitedRan = false
    const waiting = inTransaction(sql, async (tx) => {
      waitedRan = true
      await tx`insert into transaction_probe (label) values ('too late')`
    })
    await expect(waiting).rejects.toBeInstanceOf(PoolTimeoutError)
    expect(performance.now() - startedAt).toBeLessThan(1_000)
    expect(isDatabaseUnavailable(await waiting.catch((error: unknown) => error))).toBe(true)
    release()
    await holding
    await sleep(50)
    expect(waitedRan).toBe(false)
    expect(await labels()).not.toContain('too late')
  })

  it('a deadline that passes while the work runs → rolled back, DeadlineExceededError', async () => {
    const deadline = new AbortController()
    const run = inTransaction(
      sql,
      async (tx) => {
        await tx`insert into transaction_probe (label) values ('past the deadline')`
        deadline.abort(new Error('deadline'))
      },
      { deadline: deadline.signal },
    )
    await expect(run).rejects.toBeInstanceOf(DeadlineExceededError)
    expect(await labels()).not.toContain('past the deadline')
  })

  it('a deadline already passed → nothing is sent', async () => {
    const deadline = AbortSignal.abort(new Error('deadline'))
    let ran = false
    await expect(
      inTransaction(
        sql,
        async () => {
          ran = true
        },
        { deadline },
      ),
    ).rejects.toBeInstanceOf(DeadlineExceededError)
    expect(ran).toBe(false)
  })

  it("a request's own deadline (RequestDeadline) ends the wait for a connection when it passes, and leaves no listener behind", async () => {
    const { holding, release } = await holdTheOnlyConnection()
    const deadline = new RequestDeadline()
    const removed: unknown[] = []
    const remove = deadline.removeEventListener.bind(deadline)
    deadline.removeEventListener = (type, listener) => {
      removed.push(listener)
      remove(type, listener)
    }
    let waitedRan = false
    const waiting = inTransaction(
      sql,
      async (tx) => {
        waitedRan = true
        await tx`insert into transaction_probe (label) values ('after the deadline')`
      },
      { deadline },
    )
    await sleep(20)
    const abortedAt = performance.now()
    deadline.abort()
    await expect(waiting).rejects.toBeInstanceOf(DeadlineExceededError)
    expect(performance.now() - abortedAt).toBeLessThan(100)
    expect(deadline.aborted).toBe(true)
    // Its listener was called once (and so removed), a listener added later is never called.
    let lateCalls = 0
    deadline.addEventListener('abort', () => void lateCalls++)
    deadline.abort()
    expect(lateCalls).toBe(0)
    release()
    await holding
    await sleep(50)
    expect(waitedRan).toBe(false)
    expect(removed).toHaveLength(1)
    expect(await labels()).not.toContain('after the deadline')
  })

  it('statement_timeout (DB_STATEMENT_TIMEOUT_MS) cuts a slow statement on PostgreSQL (a 503); PGlite accepts it but cannot enforce it', async () => {
    const startedAt = performance.now()
    const outcome = await sql`select pg_sleep(1)`.catch((caught: unknown) => caught)
    if (database.isEmbedded) {
      // Single-threaded WASM has no timer to interrupt a statement: only the request deadline bounds it.
      expect(outcome).toEqual([{ pg_sleep: '' }])
    } else {
      expect(outcome).toMatchObject({ code: '57014' })
      expect(performance.now() - startedAt).toBeLessThan(900)
      expect(isDatabaseUnavailable(outcome)).toBe(true)
    }
    expect(await sql`select 1 as x`).toEqual([{ x: 1 }])
  })
})
