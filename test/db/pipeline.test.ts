import { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitTogether, PipelineRolledBackError, readTogether } from '../../src/db/pipeline.js'
import { createSql, type Db, type Sql } from '../../src/db/pool.js'
import { useTestDatabase } from '../helpers/database.js'

// src/db/pipeline.ts: a whole transaction sent as one pipeline must keep a transaction's meaning —
// every statement between BEGIN and COMMIT, all or nothing.

const database = useTestDatabase()
let sql: Sql
const sent: string[] = []

beforeAll(async () => {
  sql = createSql({ url: database.url, max: 1, prepare: true })
  await sql`create table pipeline_probe (label text primary key)`
  sql.options.debug = (_connection: number, text: string) => void sent.push(text.replace(/\s+/g, ' ').trim())
})
afterAll(async () => {
  await sql?.end({ timeout: 1 })
})

// A query function as src/db/queries writes them: async, awaiting its query.
async function insertLabel(db: Db, label: string): Promise<number> {
  const result = await db`insert into pipeline_probe (label) values (${label})`
  return result.count
}

async function labels(): Promise<string[]> {
  return (await sql<{ label: string }[]>`select label from pipeline_probe order by label`).map((row) => row.label)
}

describe('commitTogether', () => {
  it('sends BEGIN, the statements in order, then COMMIT — last even after async query functions — and commits', async () => {
    sent.length = 0
    const [first, second] = await commitTogether<[number, number]>(sql, (db) => [
      insertLabel(db, 'a'),
      insertLabel(db, 'b'),
    ])
    expect([first, second]).toEqual([1, 1])
    expect(sent.map((text) => text.split(' ', 1)[0])).toEqual(['begin', 'insert', 'insert', 'commit'])
    expect(await labels()).toEqual(['a', 'b'])
  })

  it('BEGIN, the statements and COMMIT leave in one socket write, even past 1 kB', async () => {
    const long = 'x'.repeat(1_500)
    const insertTwo = (db: Db, suffix: string): [Promise<number>, Promise<number>] => [
      insertLabel(db, `${long}-1-${suffix}`),
      insertLabel(db, `${long}-2-${suffix}`),
    ]
    const databasePort = Number(new URL(database.url).port || 5432)
    const writes: number[] = []
    const write = Socket.prototype.write
    try {
      // Warm the statement first: one new to the connection is described before it runs.
      await commitTogether<[number, number]>(sql, (db) => insertTwo(db, 'warm'))
      // Only the client's writes to the database (the embedded server answers in this process too).
      Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
        if (this.remotePort === databasePort) writes.push(Buffer.byteLength(chunk as Buffer))
        return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
      } as typeof write
      sent.length = 0
      await commitTogether<[number, number]>(sql, (db) => insertTwo(db, 'measured'))
      Socket.prototype.write = write
      expect(sent.map((text) => text.split(' ', 1)[0])).toEqual(['begin', 'insert', 'insert', 'commit'])
      expect(writes).toHaveLength(1)
      expect(writes[0]).toBeGreaterThan(3_000)
    } finally {
      Socket.prototype.write = write
      await sql`delete from pipeline_probe where label like ${long + '%'}`
    }
  })

  it('a failing statement rolls back the whole transaction: nothing of it is committed', async () => {
    const outcome = commitTogether<[number, number]>(sql, (db) => [insertLabel(db, 'c'), insertLabel(db, 'a')])
    await expect(outcome).rejects.toBeInstanceOf(PipelineRolledBackError)
    expect(await labels()).toEqual(['a', 'b'])
    // The connection went back to the pool idle, not inside a transaction.
    // (SAVEPOINT outside a transaction block is 25P01; inside an open or aborted one it is not.)
    await expect(sql`savepoint probe`).rejects.toMatchObject({ code: '25P01' })
  })

  it('a statement that fails before COMMIT is sent is no unhandled rejection: the transaction rolls back', async () => {
    // COMMIT goes out a loop turn after the statements; a connection lost in that turn rejected them
    // with no handler yet, and the process ended (the fault test saw it). A statement rejecting at
    // once stands for that loss here.
    const unhandled: unknown[] = []
    const record = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', record)
    try {
      const outcome = commitTogether<[number, number]>(sql, (db) => [
        insertLabel(db, 'd'),
        Promise.reject(new Error('connection lost')),
      ])
      await expect(outcome).rejects.toBeInstanceOf(PipelineRolledBackError)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
      expect(await labels()).toEqual(['a', 'b'])
    } finally {
      process.off('unhandledRejection', record)
    }
  })
})

describe('readTogether', () => {
  it('returns every read in order', async () => {
    const [one, two] = await readTogether<[{ n: number }[], { n: number }[]]>(sql, (db) => [
      db<{ n: number }[]>`select 1 as n`.execute(),
      db<{ n: number }[]>`select 2 as n`.execute(),
    ])
    expect([one[0]!.n, two[0]!.n]).toEqual([1, 2])
  })
})

describe('one Sync per round trip (patches/postgres-js.mjs ONE_SYNC_EDITS)', () => {
  beforeAll(async () => {
    await sql`create sequence pipeline_probe_calls`
    await sql`create table pipeline_stale_probe (id int)`
    await sql`insert into pipeline_stale_probe values (1)`
  })

  const calls = async (): Promise<number> =>
    (await sql<{ n: number }[]>`select last_value::int as n from pipeline_probe_calls`)[0]!.n

  it('a read that fails skips the reads sent with it: they did not run, and are rejected with its error', async () => {
    // Warm both statements: one never prepared on the connection is described first, outside the group.
    await readTogether(sql, (db) => [
      db`select nextval('pipeline_probe_calls')`.execute(),
      db`select 1/${1}::int`.execute(),
    ])
    const before = await calls()
    const outcome = readTogether(sql, (db) => [
      db`select 1/${0}::int`.execute(),
      db`select nextval('pipeline_probe_calls')`.execute(),
    ])
    await expect(outcome).rejects.toMatchObject({ code: '22012' })
    // With a Sync after each statement, the second would have run after the first failed.
    expect(await calls()).toBe(before)
    // The connection answers the next round trip in order.
    const [one, two] = await readTogether<[{ n: number }[], { n: number }[]]>(sql, (db) => [
      db<{ n: number }[]>`select ${5}::int as n`.execute(),
      db<{ n: number }[]>`select nextval('pipeline_probe_calls')::int as n`.execute(),
    ])
    expect([one[0]!.n, two[0]!.n]).toEqual([5, before + 1])
  })

  it('a statement never prepared on the connection, between prepared ones, closes the group: every answer is its own', async () => {
    const [first, fresh, last] = await readTogether<[{ n: number }[], { t: string }[], { n: number }[]]>(sql, (db) => [
      db<{ n: number }[]>`select ${7}::int as n`.execute(),
      db<{ t: string }[]>`select ${'fresh'}::text || ${Date.now()}::text as t`.execute(),
      db<{ n: number }[]>`select ${9}::int as n`.execute(),
    ])
    expect(first).toEqual([{ n: 7 }])
    expect(fresh[0]!.t).toMatch(/^fresh\d+$/)
    expect(last).toEqual([{ n: 9 }])
  })

  it('an empty statement in a group is answered without CommandComplete: the statements after it still get their own answers', async () => {
    const read = () =>
      readTogether<[{ n: number }[], unknown[], { n: number }[]]>(sql, (db) => [
        db<{ n: number }[]>`select ${11}::int as n`.execute(),
        db``.execute(),
        db<{ n: number }[]>`select ${12}::int as n`.execute(),
      ])
    // The first time the statements are prepared one by one; then they go as one group.
    for (let time = 0; time < 2; time++) {
      const [first, empty, last] = await read()
      expect([first, [...empty], last]).toEqual([[{ n: 11 }], [], [{ n: 12 }]])
    }
  })

  it('a read whose prepared plan a schema change made stale is sent again, with the reads beside it', async () => {
    const read = () =>
      readTogether<[Record<string, unknown>[], { n: number }[]]>(sql, (db) => [
        db`select * from pipeline_stale_probe`.execute(),
        db<{ n: number }[]>`select ${3}::int as n`.execute(),
      ])
    expect(await read()).toEqual([[{ id: 1 }], [{ n: 3 }]])
    await sql`alter table pipeline_stale_probe add column label text default 'x'`
    // The prepared `select *` now returns another row type: PostgreSQL refuses it (0A000).
    expect(await read()).toEqual([[{ id: 1, label: 'x' }], [{ n: 3 }]])
    expect(await read()).toEqual([[{ id: 1, label: 'x' }], [{ n: 3 }]])
  })

  it('a failing statement of a one-round-trip transaction skips the rest and COMMIT; the connection is left outside any transaction', async () => {
    const before = await calls()
    const outcome = commitTogether(sql, (db) => [
      insertLabel(db, 'e'),
      db`select 1/${0}::int`.execute(),
      db`select nextval('pipeline_probe_calls')`.execute(),
    ])
    await expect(outcome).rejects.toMatchObject({ cause: { code: '22012' } })
    expect(await calls()).toBe(before)
    expect(await labels()).not.toContain('e')
    await expect(sql`savepoint probe`).rejects.toMatchObject({ code: '25P01' })
  })
})
