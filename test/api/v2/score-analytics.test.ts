import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, scoringTestConfig } from '../../helpers/app.js'
import { randomAddress } from '../../helpers/factories/accounts.js'
import { useV2ScoreApp } from '../../helpers/v2-score.js'

// The usage rows of API-key calls (scoring §7.6, FF_API_ANALYTICS), written after the response.
const ctx = useV2ScoreApp({ FF_API_ANALYTICS: 'on' })
const sql = () => ctx.database.sql

/** FF_API_ANALYTICS off. */
let appFlagOff: FastifyInstance
beforeAll(async () => {
  appFlagOff = await buildTestApp(ctx.database.sql, await scoringTestConfig())
})
afterAll(async () => {
  await appFlagOff?.close()
})

describe('GET /v2/stamps/{scorer_id}/score/{address}', () => {
  describe('analytics (scoring §7.6)', () => {
    it('scoring §13.64: FF_API_ANALYTICS on → one analytics row per request; off → none', async () => {
      const scorer = await ctx.createScorer()
      const keyId = await ctx.apiKeyIdOf(scorer.accountId)
      const address = randomAddress()
      const path = `/v2/stamps/${scorer.communityId}/score/${address}`
      const response = await ctx.app.inject({
        method: 'GET',
        url: `${path}?a=1&a=2`,
        headers: { 'x-api-key': scorer.key, cookie: 'c=1', 'user-agent': 'tests' },
      })
      expect(response.statusCode).toBe(200)

      const [row] = await ctx.waitForAnalytics(keyId, 1)
      expect(row).toEqual({
        api_key_id: keyId,
        path,
        base_path: null,
        path_segments: ['v2', 'stamps', String(scorer.communityId), 'score', address],
        query_params: { a: ['1', '2'] },
        headers: expect.objectContaining({ 'X-Api-Key': '***', Cookie: '***', 'User-Agent': 'tests' }),
        payload: null,
        response: response.body,
        response_skipped: false,
        error: null,
        status_code: 200,
        has_created_at: true,
      })

      const flagOffScorer = await ctx.createScorer()
      const flagOffKeyId = await ctx.apiKeyIdOf(flagOffScorer.accountId)
      expect((await ctx.scoreV2(flagOffScorer, randomAddress(), appFlagOff)).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await sql()`select 1 from account_accountapikeyanalytics where api_key_id = ${flagOffKeyId}`).toHaveLength(
        0,
      )
    })

    it('endpoints §1.9: a 422 writes no analytics row (Python tracks usage only after parameter validation)', async () => {
      const scorer = await ctx.createScorer()
      const keyId = await ctx.apiKeyIdOf(scorer.accountId)
      const response = await ctx.app.inject({
        method: 'GET',
        url: `/v2/stamps/abc/score/${randomAddress()}`,
        headers: { 'x-api-key': scorer.key },
      })
      expect(response.statusCode).toBe(422)
      expect((await ctx.scoreV2(scorer, '0x123')).status).toBe(400)
      await ctx.waitForAnalytics(keyId, 1)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await ctx.waitForAnalytics(keyId, 1)).map((row) => row.status_code)).toEqual([400])
    })
  })
})
