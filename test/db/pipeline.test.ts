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
