import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSql } from '../../src/db/pool.js'
import { checkDatabaseAnswers } from '../../src/domain/health.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'

let database: TestDatabase
let proxy: TcpProxy
beforeAll(async () => {
  database = await createTestDatabase()
  const url = new URL(database.url)
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
})
afterAll(async () => {
  await proxy?.close()
  await database?.close()
})

describe('checkDatabaseAnswers', () => {
  it('a database that stops answering: rejects in time with the pool’s state, to tell a frozen server from a stuck pool', async () => {
    const url = new URL(database.url)
    url.port = String(proxy.port)
    const sql = createSql({ url: url.toString(), max: 2, prepare: true })
    try {
      await checkDatabaseAnswers(sql, 1_000)
      proxy.stall()
      const started = performance.now()
      const failure = await checkDatabaseAnswers(sql, 200).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(failure).toMatchObject({
        message: 'the database did not answer within 200 ms',
        pool: { max: 2, busy: 1, reserved: 0, waiting: 0 },
      })
    } finally {
      proxy.resume()
      await sql.end({ timeout: 1 })
    }
  })
})
