import { describe, expect, it } from 'vitest'
import { checkDatabaseAnswers } from '../../src/domain/health.js'
import { useProxiedDatabase } from '../helpers/tcp-proxy.js'

const proxied = useProxiedDatabase()

describe('checkDatabaseAnswers', () => {
  it('a database that stops answering: rejects in time with the pool’s state, to tell a frozen server from a stuck pool', async () => {
    await proxied.withPool(
      async (sql) => {
        try {
          await checkDatabaseAnswers(sql, 1_000)
          proxied.proxy.stall()
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
          proxied.proxy.resume()
        }
      },
      { max: 2 },
    )
  })
})
