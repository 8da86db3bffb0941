import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { useTestDatabase } from '../../helpers/database.js'
import { buildTestApp, testConfig } from '../../helpers/app.js'
import { createAccount, createCommunity } from '../../helpers/factories/accounts.js'

const database = useTestDatabase()

/** An app whose CERAMIC_CACHE_SCORER_ID is a fresh community with these weights. */
async function appWithWeights(weights: Record<string, number | string>): Promise<FastifyInstance> {
  const { accountId } = await createAccount(database.sql)
  const { communityId } = await createCommunity(database.sql, { accountId, weights })
  return buildTestApp(database.sql, testConfig({ CERAMIC_CACHE_SCORER_ID: String(communityId) }))
}

describe('GET /ceramic-cache/weights', () => {
  it('endpoints §5.5: the CERAMIC_CACHE_SCORER_ID weights as Python floats ("3.0", "0.525"), no auth', async () => {
    const app = await appWithWeights({ Google: 3, Ens: '0.525', Gitcoin: '10.0000' })
    try {
      const response = await app.inject({ method: 'GET', url: '/ceramic-cache/weights' })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(response.body).toBe('{"Ens": 0.525, "Google": 3.0, "Gitcoin": 10.0}')
    } finally {
      await app.close()
    }
  })

  it('endpoints §5.5: a misconfigured CERAMIC_CACHE_SCORER_ID → 500 naming the setting', async () => {
    const app = await buildTestApp(database.sql, testConfig({ CERAMIC_CACHE_SCORER_ID: '987654321' }))
    try {
      const response = await app.inject({ method: 'GET', url: '/ceramic-cache/weights' })
      expect(response.statusCode).toBe(500)
      expect(response.json()).toEqual({
        detail: 'Unable to retrieve configured scorer! settings.CERAMIC_CACHE_SCORER_ID=987654321',
      })
    } finally {
      await app.close()
    }
  })
})
